#!/usr/bin/env python3
"""Writes N NDJSON lines shaped like ../shared/data/conversations.json: conversations of one order event and 2-5 chat
messages (about 4.5 lines per conversation, as in the sample), every line distinct content. Deterministic (seeded)."""
import random
import sys
import time

CITIES = ["IST", "SYD", "BCN", "NYC", "LON", "BER", "PAR", "MAD"]
STAGES = ["AWAITING_PICKUP", "IN_PROGRESS", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED", "RETURNED"]
APPS = {"Courier": ["Courier Android", "Courier iOS"], "Customer": ["Customer iOS", "Customer Android", "Customer Web"]}


def lines(seed=7, first_order=10_000_000):
    rng = random.Random(seed)
    order = first_order
    t = 1_706_781_600  # 2024-02-01T10:00:00Z
    while True:
        order += 1
        courier, customer = rng.randrange(10**7, 10**8), rng.randrange(10**7, 10**8)
        first = rng.choice(["Courier", "Customer"])
        t += rng.randrange(1, 30)
        sent = t
        for i in range(rng.choice([2, 3, 3, 4, 4, 5])):
            role = first if i % 2 == 0 else ("Customer" if first == "Courier" else "Courier")
            me, other = (courier, customer) if role == "Courier" else (customer, courier)
            sent += rng.randrange(1, 90)
            yield ('{"senderAppType": "%s", "courierId": %d, "fromId": %d, "toId": %d, "chatStartedByMessage": %s, '
                   '"orderId": %d, "orderStage": "%s", "customerId": %d, "messageSentTime": "%s"}'
                   % (rng.choice(APPS[role]), courier, me, other, "true" if i == 0 else "false", order,
                      rng.choice(STAGES), customer, iso(sent)))
            if i == 0:
                yield '{"orderId": %d, "cityCode": "%s"}' % (order, rng.choice(CITIES))


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def main():
    # gen_replay.py COUNT PATH [SEED FIRST_ORDER]: another seed and order range give lines that share nothing.
    count, path = int(sys.argv[1]), sys.argv[2]
    seed, first_order = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (7, 10_000_000)
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        for line in lines(seed, first_order):
            out.write(line)
            out.write("\n")
            n += 1
            if n >= count:
                break


if __name__ == "__main__":
    main()
