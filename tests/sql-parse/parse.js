// Parses every statement of the .sql files in a folder with node-sql-parser's BigQuery dialect and prints one JSON
// line per statement: {"file","statement","ok","error"}. `{dataset}` is replaced the way the setup command does.
// Usage: node parse.js <folder>. Exit code 0 when the folder was read (parse failures are reported, not fatal).
'use strict';
const fs = require('fs');
const path = require('path');
const { Parser } = require('node-sql-parser');

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node parse.js <folder of .sql files>');
  process.exit(2);
}

const parser = new Parser();
for (const file of fs.readdirSync(folder).filter(f => f.endsWith('.sql')).sort()) {
  const text = fs.readFileSync(path.join(folder, file), 'utf8').replaceAll('{dataset}', 'project.dataset');
  // Statements end with ';' at the end of a line; the files hold no ';' inside strings.
  const statements = text.split(/;\s*$/m).map(s => s.trim())
    .filter(s => s.split('\n').some(line => line.trim() !== '' && !line.trim().startsWith('--')));
  statements.forEach((sql, i) => {
    let ok = true;
    let error = null;
    try {
      parser.astify(sql, { database: 'bigquery' });
    } catch (e) {
      ok = false;
      error = String(e.message).split('\n')[0];
    }
    console.log(JSON.stringify({ file, statement: i + 1, ok, error }));
  });
}
