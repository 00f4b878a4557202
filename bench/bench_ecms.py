"""Benchmark: letters through the fake two-node e-CMS (tests/ecms_node.py), with 1 MB PDFs.

The fake node is a stand-in for DGA's service on loopback, so this measures our codec, client
and HTTP stack, not DGA. Three numbers:

- codec: build and parse one letter with a 1 MB main PDF (no network);
- throughput: N letters sent by 0031500001, then pulled and deleted by 0031500002 (letters/s);
- round trip: send -> receiver pulls, deletes, answers Receive and Accept(AcceptID) -> sender
  pulls the AcceptID (the time until the sender knows the เลขรับ), median and worst of N.

    .venv/bin/python bench/bench_ecms.py            # 50 letters, 1 MB each
    .venv/bin/python bench/bench_ecms.py --letters 200 --megabytes 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from saraban.exchange.ecms import codec  # noqa: E402
from saraban.exchange.ecms.client import EcmsClient  # noqa: E402
from saraban.exchange.ecms.messages import Attachment, Letter, Notifier, Party  # noqa: E402
from saraban.thaidate import BANGKOK  # noqa: E402
from tests.ecms_node import ORG_1, ORG_2, FakeEcms  # noqa: E402


def make_letter(number: int, pdf: bytes) -> Letter:
    return Letter(
        letter_id=f"ทดสอบ 0001/{number}", date=dt.date(2026, 12, 3), subject=f"หนังสือที่ {number}",
        secret_code="001", speed_code="001",
        sender=Party("สมชาย", "ใจดี", "ผู้อำนวยการ", ORG_1),
        receiver=Party("สมหญิง", "รักงาน", "หัวหน้าสำนักงาน", ORG_2),
        main_letter=Attachment("application/pdf", pdf),
        send_date=dt.datetime.now(BANGKOK), enclosures="-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=50)
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()
    pdf = b"%PDF-1.4\n" + os.urandom(int(args.megabytes * 1024 * 1024) - 9)

    started = time.perf_counter()
    for _ in range(10):
        codec.parse_request(codec.build_letter(make_letter(0, pdf)))
    print(f"codec: build + parse one {args.megabytes:g} MB letter: "
          f"{(time.perf_counter() - started) / 10 * 1000:.1f} ms")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    node = FakeEcms().start()
    try:
        one = EcmsClient(node.url(ORG_1), ORG_1)
        two = EcmsClient(node.url(ORG_2), ORG_2)
        started = time.perf_counter()
        for n in range(args.letters):
            one.send_letter(make_letter(n, pdf))
        sent = time.perf_counter() - started
        started = time.perf_counter()
        pulled = 0
        while (item := two.pull()) is not None:
            two.delete(item.process_id)
            pulled += 1
        received = time.perf_counter() - started
        assert pulled == args.letters
        print(f"throughput: {args.letters} letters of {args.megabytes:g} MB: send "
              f"{args.letters / sent:.1f} letters/s, pull+delete {args.letters / received:.1f} "
              f"letters/s")

        times = []
        for n in range(args.letters):
            letter = make_letter(10_000 + n, pdf)
            started = time.perf_counter()
            one.send_letter(letter)
            item = two.pull()
            two.delete(item.process_id)
            for kind, accept_id in (("ReceiveLetterNotifier", None),
                                    ("AcceptLetterNotifier", f"{n + 1}/2569")):
                two.send_notifier(Notifier(kind, letter.letter_id, letter.date, letter.subject,
                                           accept_id=accept_id))
            accept_id = None
            while accept_id is None:
                item = one.pull()
                one.delete(item.process_id)
                if item.notifier.kind == "AcceptLetterNotifier":
                    accept_id = item.notifier.accept_id
            times.append(time.perf_counter() - started)
        print(f"round trip send -> AcceptID back ({args.letters} letters): median "
              f"{statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms")
    finally:
        node.stop()


if __name__ == "__main__":
    main()
