// ChatIngest dashboard: polls GET /stats and redraws four charts and their number tables in place.
'use strict';

(() => {
  const POLL_MS = 3000;
  const MAX_FILLED_MINUTES = 24 * 60; // a longer span is drawn without filling empty minutes with zeros
  const NO_CITY = '(no city yet)';
  // Okabe–Ito: a palette that stays distinguishable with the common colour-vision deficiencies.
  const COLOURS = { blue: '#0072B2', sky: '#56B4E9', orange: '#E69F00', green: '#009E73', vermillion: '#D55E00' };

  Chart.defaults.color = '#1b1f24';
  Chart.defaults.borderColor = '#d5dae1';
  Chart.defaults.font.size = 13;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation.duration = 400;

  const axis = (title, extra = {}) => ({ title: { display: true, text: title, font: { weight: 'bold' } }, ...extra });
  const counts = { beginAtZero: true, ticks: { precision: 0 } };
  // Every city gets its label; on a phone they turn upright instead of overlapping.
  const cityTicks = { autoSkip: false, maxRotation: 90 };

  function chart(id, type, datasets, xTitle, yTitle, options = {}) {
    return new Chart(document.getElementById(id), {
      type,
      data: { labels: [], datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: datasets.length > 1, position: 'top' } },
        ...options,
        scales: { x: axis(xTitle, options.x), y: axis(yTitle, options.y) },
      },
    });
  }

  const charts = {
    response: chart('chart-response', 'bar', [
      { label: 'Median (s)', data: [], backgroundColor: COLOURS.sky },
      { label: '90th percentile (s)', data: [], backgroundColor: COLOURS.blue },
    ], 'City', 'First response (seconds)', { x: { ticks: { ...cityTicks } }, y: { beginAtZero: true, grace: '5%' } }),
    starters: chart('chart-starters', 'bar', [
      { label: 'Started by courier', data: [], backgroundColor: COLOURS.blue },
      { label: 'Started by customer', data: [], backgroundColor: COLOURS.orange },
    ], 'City', 'Conversations', { x: { stacked: true, ticks: { ...cityTicks } }, y: { stacked: true, grace: '5%', ...counts } }),
    stages: chart('chart-stages', 'bar', [
      { label: 'Conversations', data: [], backgroundColor: COLOURS.green },
    ], 'Conversations', 'Last order stage', { indexAxis: 'y', x: counts, y: { ticks: { autoSkip: false } } }),
    minutes: chart('chart-minutes', 'line', [
      { label: 'Conversations started', data: [], borderColor: COLOURS.vermillion, backgroundColor: COLOURS.vermillion,
        pointRadius: 0, pointHoverRadius: 4, borderWidth: 1.5, tension: 0 },
    ], 'Minute (UTC)', 'Conversations started', {
      x: { ticks: { maxRotation: 0, autoSkip: false, callback: minuteTick } },
      y: { grace: '5%', ...counts },
    }),
  };

  const number = (n) => (n === null || n === undefined ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: 1 }));
  const cityName = (c) => c.city_code ?? NO_CITY;
  const text = (id, value) => { document.getElementById(id).textContent = value; };

  // A row's first cell is its name, or { name, href } to link it.
  function table(id, headers, rows) {
    const el = document.getElementById(id);
    const head = `<thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>`;
    const name = (v) => (v?.href ? `<a href="${escape(v.href)}">${escape(v.name)}</a>` : escape(v));
    const body = rows.map((r) => `<tr>${r.map((v, i) => (i === 0 ? `<th scope="row">${name(v)}</th>` : `<td>${number(v)}</td>`)).join('')}</tr>`);
    el.innerHTML = `${head}<tbody>${body.join('')}</tbody>`;
  }

  // A city's name links to its conversations (GET /conversations); the conversations without one yet, to those.
  const cityLink = (c) => ({
    name: cityName(c),
    href: c.city_code === null ? '/conversations?has_city=false' : `/conversations?city_code=${encodeURIComponent(c.city_code)}`,
  });

  function escape(value) {
    return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function draw(target, labels, series, summary) {
    target.data.labels = labels;
    series.forEach((data, i) => { target.data.datasets[i].data = data; });
    target.update();
    target.canvas.setAttribute('aria-label', summary);
  }

  // One point per minute from the first to the last, zeros included, so quiet minutes show as dips.
  function perMinute(entries) {
    if (entries.length === 0) return [];
    const first = Date.parse(entries[0].minute);
    const last = Date.parse(entries[entries.length - 1].minute);
    const span = (last - first) / 60000;
    if (span > MAX_FILLED_MINUTES) return entries.map((e) => [Date.parse(e.minute), e.conversations]);
    const byMinute = new Map(entries.map((e) => [Date.parse(e.minute), e.conversations]));
    const points = [];
    for (let t = first; t <= last; t += 60000) points.push([t, byMinute.get(t) ?? 0]);
    return points;
  }

  // A filled span gets labels on round minutes only (every 5, 10, 15, 30, 60… whichever leaves about eight);
  // an unfilled one (over a day) lets Chart.js skip labels itself.
  let minuteStep = 1;
  function minuteTick(value, index) {
    const label = this.getLabelForValue(value);
    if (this.chart.options.scales.x.ticks.autoSkip) return label;
    const t = this.chart.$minutes?.[index];
    return t !== undefined && (t / 60000) % minuteStep === 0 ? label : null;
  }

  function minuteLabel(t, spansDays) {
    const iso = new Date(t).toISOString();
    return spansDays ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
  }

  function render(stats) {
    const cities = stats.cities;
    const labels = cities.map(cityName);
    const courier = cities.reduce((s, c) => s + c.started_by_courier, 0);
    const customer = cities.reduce((s, c) => s + c.started_by_customer, 0);
    const share = (n) => (stats.conversations ? ` <small>(${Math.round((100 * n) / stats.conversations)}%)</small>` : '');

    text('total-conversations', number(stats.conversations));
    text('total-messages', number(stats.messages));
    text('total-cities', number(cities.filter((c) => c.city_code !== null).length));
    document.getElementById('total-courier').innerHTML = number(courier) + share(courier);
    document.getElementById('total-customer').innerHTML = number(customer) + share(customer);

    draw(charts.response, labels,
      [cities.map((c) => c.median_first_response_seconds), cities.map((c) => c.p90_first_response_seconds)],
      `Median and 90th percentile first-response seconds for ${cities.length} cities; the numbers are in the table below.`);
    table('table-response', ['City', 'Median (s)', 'p90 (s)', 'Conversations'],
      cities.map((c) => [cityLink(c), c.median_first_response_seconds, c.p90_first_response_seconds, c.conversations]));

    draw(charts.starters, labels,
      [cities.map((c) => c.started_by_courier), cities.map((c) => c.started_by_customer)],
      `Conversations started by courier (${courier}) and by customer (${customer}) for ${cities.length} cities.`);
    table('table-starters', ['City', 'By courier', 'By customer'],
      cities.map((c) => [cityLink(c), c.started_by_courier, c.started_by_customer]));

    const stages = stats.last_stages;
    draw(charts.stages, stages.map((s) => s.stage), [stages.map((s) => s.conversations)],
      `Conversations by last order stage: ${stages.map((s) => `${s.stage} ${s.conversations}`).join(', ') || 'none yet'}.`);
    table('table-stages', ['Last stage', 'Conversations'], stages.map((s) => [s.stage, s.conversations]));

    const points = perMinute(stats.started_per_minute);
    const peak = points.reduce((m, p) => Math.max(m, p[1]), 0);
    const span = points.length > 0 ? (points[points.length - 1][0] - points[0][0]) / 60000 : 0;
    const spansDays = span >= 1440;
    minuteStep = [1, 5, 10, 15, 30, 60, 120, 360, 720, 1440].find((step) => span / step <= 8) ?? 1440;
    charts.minutes.$minutes = points.map((p) => p[0]);
    charts.minutes.options.scales.x.ticks.autoSkip = span > MAX_FILLED_MINUTES;
    draw(charts.minutes, points.map((p) => minuteLabel(p[0], spansDays)), [points.map((p) => p[1])],
      `Conversations started per minute over ${points.length} minutes, at most ${peak} in one minute.`);
    table('table-minutes', ['Minute (UTC)', 'Conversations'],
      stats.started_per_minute.map((e) => [e.minute, e.conversations]));
  }

  // A hidden tab asks for nothing (on BigQuery each poll is a query over the whole view, billed): the poll due while
  // it is hidden finds it so and stops, and showing the tab polls at once. One poll at a time.
  let updates = 0;
  let timer = 0;
  let polling = false;
  async function poll() {
    clearTimeout(timer);
    if (polling || document.hidden) return;
    polling = true;
    try {
      const response = await fetch('/stats', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
      updates += 1;
      document.body.dataset.updates = String(updates);
      text('status', `Updated ${new Date().toLocaleTimeString('en-GB')} · refreshes every ${POLL_MS / 1000} s`);
    } catch (error) {
      text('status', `Could not load /stats (${error.message}); trying again in ${POLL_MS / 1000} s`);
    } finally {
      polling = false;
      timer = setTimeout(poll, POLL_MS);
    }
  }

  document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });
  poll();
})();
