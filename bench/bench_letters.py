"""Benchmark: outgoing letters — printing on the forms, signing, numbering, the whole path.

Builds a database through the real migrations with the sample chain (its demo CA and the
demo signers' certificates), then times: the seed's memo (3 pages) and the DGA letter (2
pages) printed on their forms, beside plain reportlab drawing the same text unshaped and
unwrapped (the floor of any PDF of it); the signer's PAdES signature, the registry's number
and signature, a verification; and a letter's whole path through the operations (draft,
submit, sign, number and send to a unit), with the queries of each step.

    .venv/bin/python bench/bench_letters.py --letters 20
    .venv/bin/python bench/bench_letters.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_documents import sample_app, timed  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "letters"


def _raw(letter: dict) -> bytes:
    """The same words on A4 with plain reportlab: no shaping, no Thai line breaking."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setFont("Sarabun", 16)
    y = 780
    for line in [*letter["fields"].values(), *letter["body"].splitlines()]:
        for start in range(0, len(str(line)), 70):
            canvas.drawString(85, y, str(line)[start:start + 70])
            y -= 21
            if y < 60:
                canvas.showPage()
                canvas.setFont("Sarabun", 16)
                y = 780
    canvas.save()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20, help="repeats of each timing")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, url = sample_app(args.database_url)
    print(f"database: {url.split('@')[-1]}; {args.letters} repeats")
    with app.app_context():
        from saraban.extensions import db
        from saraban.pdf import register_fonts
        from saraban.pdf.letter import render_letter
        from saraban.signing.operations import fill_and_certify, sign_letter, verify

        register_fonts()
        letters = {name: json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
                   for name in ("memo_5052", "dga_4099")}
        print(f"{'step':44} {'median ms':>10} {'p95 ms':>8}")
        for name, d in letters.items():
            def render(d=d):
                return render_letter(d["kind"], d["fields"], d["body"], d["letterhead"])
            render()  # pythainlp's dictionary loads once
            median, p95 = timed(render, args.letters)
            pages = render().pages
            print(f"{'print ' + name + f' ({pages} pages)':44} {median:10.1f} {p95:8.1f}")
            median, p95 = timed(lambda d=d: _raw(d), args.letters)
            print(f"{'  raw reportlab, same text unshaped':44} {median:10.1f} {p95:8.1f}")
        from saraban.accounts.models import User

        signer = db.session.scalar(select(User).where(User.username == "demo-commander"))
        d = letters["dga_4099"]
        printed = render_letter(d["kind"], d["fields"], d["body"], d["letterhead"])
        box = printed.places["signature"]
        box = (box.page, box.x1, box.y1, box.x2, box.y2)
        signed = sign_letter(printed.pdf, signer, capacity_text="ผู้ช่วย ผบ.ตร.", box=box)
        numbered = fill_and_certify(signed, {"number": "๑๒๓", "date": "๔ ธันวาคม ๒๕๖๙"})
        for label, fn in (
                ("sign (PAdES certification, appearance)",
                 lambda: sign_letter(printed.pdf, signer, capacity_text="ผู้ช่วย ผบ.ตร.", box=box)),
                ("number and date + registry signature", lambda: fill_and_certify(
                    signed, {"number": "๑๒๓", "date": "๔ ธันวาคม ๒๕๖๙"})),
                ("verify both signatures", lambda: verify(numbered))):
            median, p95 = timed(fn, args.letters)
            print(f"{label:44} {median:10.1f} {p95:8.1f}")
        db.session.rollback()
        _path(db, args.letters)


def _path(db, repeats: int) -> None:
    """A letter's whole path through the operations, each step's time and queries."""
    from saraban.accounts.models import User
    from saraban.drafts import operations as ops
    from saraban.registers.models import Register
    from saraban.transaction import unit_of_work
    from saraban.units.models import Unit

    users = {u.username: u for u in db.session.scalars(select(User))}
    drafter, signer, clerk = users["demo-drafter"], users["demo-commander"], users["demo-clerk"]
    register = db.session.scalar(select(Register).join(Unit).where(
        Unit.short_name == "สทส.", Register.kind == "dispatch", Register.code == "main")).id
    to = db.session.scalar(select(Unit.id).where(Unit.short_name == "สงป."))
    totals: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    for i in range(repeats):
        draft_id = _step(db, unit_of_work, totals, queries, "create_draft",
                         lambda i=i: ops.create_draft(drafter, {
                             "kind": "external",
                             "fields": {"subject": f"หนังสือทดสอบความเร็ว {i}",
                                        "to": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล"},
                             "body": "ด้วยสำนักงานตำรวจแห่งชาติจะจัดประชุม\nจึงเรียนมาเพื่อโปรดพิจารณา",
                         }).id)
        for name, fn in (
                ("submit_draft", lambda d=draft_id: ops.submit_draft(drafter, d, [signer.id])),
                ("sign_draft", lambda d=draft_id: ops.sign_draft(signer, d)),
                ("dispatch_draft (1 unit)", lambda d=draft_id: ops.dispatch_draft(
                    clerk, d, register, [{"channel": "transfer", "unit_id": to}]))):
            _step(db, unit_of_work, totals, queries, name, fn)
        for user in (drafter, signer, clerk):
            user.__dict__.pop("_saraban_units", None)
    import statistics

    print(f"{'a letter through the operations':44} {'median ms':>10} {'queries':>8}")
    for name, samples in totals.items():
        print(f"{'  ' + name:44} {statistics.median(samples):10.1f} {queries[name]:8d}")


def _step(db, unit_of_work, totals, queries, name, fn):
    started = time.perf_counter()
    with count_queries() as counted, unit_of_work(name):
        result = fn()
    totals.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    queries[name] = counted.count
    return result


if __name__ == "__main__":
    sys.exit(main())
