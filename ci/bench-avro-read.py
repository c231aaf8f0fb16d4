#!/usr/bin/env python3
"""Helper of ci/bench-avro-read.sh: writes the benchmark's .avro file with fastavro, reads it back
with fastavro, and times a command where /usr/bin/time is missing.

    bench-avro-read.py generate --schema order.avsc --out FILE.avro --mb 1024 [--codec null]
    bench-avro-read.py read FILE.avro          # prints the number of records
    bench-avro-read.py time RESULT -- CMD...   # runs CMD, writes "SECONDS MAXRSS_KB EXIT" to RESULT

`generate` writes order-like records (the schema is tests/fixtures/samples/avro/order.avsc: every
logical type, nested records, arrays, maps, unions) until the file reaches --mb MiB. A pool of
records is made from a seeded random generator and cycled with fresh ids, so the file is the same
on every run with the same fastavro version. It writes FILE.avro.tmp and renames it when complete,
and FILE.avro.json with the record count and size.
"""

import argparse
import datetime
import decimal
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid

POOL = 5000
SYNC_INTERVAL = 64000  # about Java's and Python avro's default block size (fastavro's is 16000)


def pool_records(rnd):
    utc = datetime.timezone.utc
    first = ["Ada", "Grace", "Zoë", "Émile", "Łukasz", "Ñandú", "Αθηνά", "健", "Fatima", "Liam", "Olivia", "Noah"]
    last = ["Lovelace", "Hopper", "Saldaña", "Zola", "Żółć", "Okafor", "Müller", "山田", "Smith", "García"]
    cities = ["Berlin", "Paris", "東京", "São Paulo", "Zürich", "Kraków", "Lagos", "Toronto", "Austin", "Mumbai"]
    tags = ["priority", "gift-wrap", "fragile", "bulk", "b2b", "net-30", "express", "eco", "returning", "vip"]
    attr_keys = ["source", "campaign", "device", "locale", "referrer", "ab_bucket"]
    attr_vals = ["web", "app", "spring-sale", "ios", "android", "de-DE", "en-US", "newsletter", "B"]
    weights = [0.25, 0.5, 1.0, 1.5, 2.75, 4.0, 12.5, 0.125]
    start = datetime.datetime(2023, 1, 1, tzinfo=utc)
    out = []
    for _ in range(POOL):
        placed = start + datetime.timedelta(milliseconds=rnd.randrange(3 * 365 * 86400 * 1000))
        status = rnd.choices(["NEW", "PAID", "SHIPPED"], weights=[2, 3, 5])[0]
        shipped = placed + datetime.timedelta(microseconds=rnd.randrange(1, 5 * 86400 * 10**6)) if status == "SHIPPED" else None
        lines = [{"sku": f"SKU-{rnd.randrange(100000):05d}", "qty": rnd.randint(1, 12)} for _ in range(rnd.randint(1, 5))]
        out.append({
            "id": 0,
            "customer": f"{rnd.choice(first)} {rnd.choice(last)}",
            "status": status,
            "total": decimal.Decimal(rnd.randrange(-5000, 10**7)).scaleb(-2),
            "unit_price": decimal.Decimal(rnd.randrange(1, 10**8)).scaleb(-4),
            "placed_at": placed,
            "shipped_at": shipped,
            "order_date": placed.date(),
            "pickup_time": datetime.time(rnd.randrange(24), rnd.randrange(60), rnd.randrange(60), rnd.randrange(1000) * 1000),
            "pickup_time_us": datetime.time(rnd.randrange(24), rnd.randrange(60), rnd.randrange(60), rnd.randrange(10**6)),
            "local_placed": placed.replace(tzinfo=None) + datetime.timedelta(hours=rnd.choice([-5, 0, 1, 2, 9])),
            "trace_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "checksum": rnd.randbytes(16),
            "payload": rnd.randbytes(rnd.randrange(0, 48)),
            "weight": rnd.choice(weights),
            "ratio": rnd.random(),
            "gift": rnd.random() < 0.1,
            "tags": rnd.sample(tags, rnd.randint(0, 3)),
            "attributes": {k: rnd.choice(attr_vals) for k in rnd.sample(attr_keys, rnd.randint(0, 3))},
            "address": {
                "street": f"{rnd.randint(1, 999)} {rnd.choice(['Main St', 'Hauptstraße', 'Rue de Rivoli', 'Market St'])}",
                "city": rnd.choice(cities),
                "zip": None if rnd.random() < 0.2 else f"{rnd.randrange(100000):05d}",
            },
            "lines": lines,
            "note": None if rnd.random() < 0.7 else rnd.choice(["leave at the door", "call first", 'ring "twice"\nback door']),
        })
    return out


def generate(args):
    import fastavro

    with open(args.schema) as f:
        schema = fastavro.parse_schema(json.load(f))
    target = args.mb * 1024 * 1024
    rnd = random.Random(args.seed)
    pool = pool_records(rnd)
    count = 0

    def records(out):
        nonlocal count
        while out.tell() < target:
            r = dict(pool[count % POOL])
            count += 1
            r["id"] = count
            yield r

    tmp = args.out + ".tmp"
    started = time.monotonic()
    with open(tmp, "wb") as out:
        fastavro.writer(
            out,
            schema,
            records(out),
            codec=args.codec,
            sync_interval=SYNC_INTERVAL,
            sync_marker=rnd.randbytes(16),
        )
    size = os.path.getsize(tmp)
    os.replace(tmp, args.out)
    with open(args.out + ".json", "w") as f:
        json.dump({"records": count, "bytes": size, "codec": args.codec, "seed": args.seed,
                   "fastavro": fastavro.__version__}, f)
        f.write("\n")
    print(f"wrote {args.out}: {count} records, {size / 2**20:.1f} MiB, codec {args.codec}, "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)


def read(args):
    import fastavro

    n = 0
    with open(args.file, "rb") as f:
        for _ in fastavro.reader(f):
            n += 1
    print(n)


def timed(args):
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    started = time.monotonic()
    rc = subprocess.call(cmd)
    secs = time.monotonic() - started
    maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    with open(args.result, "w") as f:
        f.write(f"{secs:.2f} {maxrss_kb} {rc}\n")
    return rc


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--schema", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--mb", type=int, default=1024)
    g.add_argument("--codec", default="null", choices=["null", "deflate", "snappy", "zstandard"])
    g.add_argument("--seed", type=int, default=42)
    r = sub.add_parser("read")
    r.add_argument("file")
    t = sub.add_parser("time")
    t.add_argument("result")
    t.add_argument("cmd", nargs=argparse.REMAINDER)
    args = p.parse_args()
    if args.what == "generate":
        return generate(args)
    if args.what == "read":
        return read(args)
    return timed(args)


if __name__ == "__main__":
    sys.exit(main())
