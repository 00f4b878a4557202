"""Two real installations exchange the seed's DGA letter: สพร. sends, ตร. registers it and
answers with its เลขรับ. Both run gunicorn on loopback with their own database and key."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.servers import saraban, start_server


def _pdf() -> bytes:
    """A real one-page PDF (uploads are checked by content)."""
    import datetime as dt

    from saraban.pdf.stamp import stamp_pdf

    return stamp_pdf("สำนักงานพัฒนารัฐบาลดิจิทัล", 4099,
                     dt.datetime(2019, 11, 1, 3, 0, tzinfo=dt.UTC))


PDF = _pdf()


@pytest.fixture(scope="module")
def agencies(tmp_path_factory):
    dga = start_server(tmp_path_factory.mktemp("dga"), workers=1)
    rtp = start_server(tmp_path_factory.mktemp("rtp"), workers=1)
    try:
        key_dga = saraban(["exchange", "init", "--code", "DGA", "--name",
                           "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"], dga.env).split()[-1]
        key_rtp = saraban(["exchange", "init", "--code", "RTP", "--name",
                           "สำนักงานตำรวจแห่งชาติ"], rtp.env).split()[-1]
        saraban(["exchange", "peer", "add", "RTP", rtp.base, key_rtp, "--name",
                 "สำนักงานตำรวจแห่งชาติ"], dga.env)
        saraban(["exchange", "peer", "add", "DGA", dga.base, key_dga, "--name", "สพร."],
                rtp.env)
        yield dga, rtp
    finally:
        dga.stop()
        rtp.stop()


def _work(server) -> str:
    return saraban(["exchange", "work", "--once"], server.env)


def _db(server):
    return sqlite3.connect(server.env["SARABAN_DATABASE_URL"].removeprefix("sqlite:///"))


def _post(server, path: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(server.base + path, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _central(rtp) -> tuple[int, list[int]]:
    """ตร.'s central receipt register and the numbers in it this year."""
    status, registers = rtp.api("GET", "/registers", "demo-admin")
    central = next(r for r in registers["items"] if r["kind"] == "receipt"
                   and r["unit"] == "ตร.")
    status, entries = rtp.api("GET", f"/registers/{central['id']}/entries?per_page=500",
                              "demo-admin")
    assert status == 200, entries
    return central["id"], sorted(e["number"] for e in entries["items"])


def _letter(dga) -> int:
    """The seed's DGA letter (which ตร.'s samples already hold, received on paper)."""
    status, found = dga.api("GET", "/documents?number=" + urllib.parse.quote(
        "สพร ๒๕๖๒/ว๔๐๙๙"), "demo-admin")
    return found["items"][0]["id"]


def _new_letter(dga, number: str) -> int:
    """A letter of สพร. that ตร. never received."""
    status, made = dga.api("POST", "/documents", "demo-clerk", {
        "number": f"สพร ๒๕๖๙/{number}", "date": "2026-11-20", "sender": "สพร.",
        "subject": "แจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัล ประจำปี ๒๕๖๙"})
    assert status == 201, made
    return made["id"]


def _arrivals(rtp) -> list[dict]:
    status, waiting = rtp.api("GET", "/exchange/arrivals", "demo-admin")
    assert status == 200, waiting
    return waiting["items"]


def test_the_dga_letter_reaches_the_police_register_and_the_number_comes_back(agencies):
    dga, rtp = agencies
    letter = _new_letter(dga, "ว๑")
    dga.attach(letter, PDF)
    _, before = _central(rtp)
    status, queued = dga.api("POST", f"/documents/{letter}/exchange", "demo-clerk",
                             {"to": "RTP"})
    assert status == 201 and queued["status"] == "queued", queued
    assert "ส่งแล้ว 1" in _work(dga)
    _, after = _central(rtp)
    new = [n for n in after if n not in before]
    assert new == [max(before, default=0) + 1]  # the next number, nothing else
    assert "ส่งแล้ว 1" in _work(rtp)  # the accept notice goes back
    status, history = dga.api("GET", f"/documents/{letter}/history", "demo-admin")
    steps = [e for e in history["events"] if e["kind"] == "exchange"]
    assert [e["title"] for e in steps] == ["queued", "delivered", "accepted"]
    assert steps[-1]["accept_id"] == str(new[0])
    # the PDF arrived byte for byte, and ตร.'s history says where it came from
    with _db(rtp) as conn:
        doc_id = conn.execute("SELECT document_id FROM exchange_message WHERE direction='in' "
                              "AND kind='letter'").fetchone()[0]
    status, detail = rtp.api("GET", f"/documents/{doc_id}", "demo-admin")
    assert detail["number"] == "สพร ๒๕๖๙/ว๑" and "รัฐบาลดิจิทัล" in detail["subject"]
    with _db(rtp) as conn:
        file_id = conn.execute("SELECT id FROM document_file WHERE document_id = ?",
                               (doc_id,)).fetchone()[0]
    request = urllib.request.Request(
        f"{rtp.base}/api/v1/documents/{doc_id}/files/{file_id}",
        headers={"Authorization": f"Bearer {rtp.token('demo-admin')}"})
    with urllib.request.urlopen(request) as response:
        assert response.read() == PDF
    assert dga.errors() == [] and rtp.errors() == []


def test_a_letter_already_received_on_paper_waits_marked_as_a_possible_duplicate(agencies):
    dga, rtp = agencies
    _, before = _central(rtp)
    status, queued = dga.api("POST", f"/documents/{_letter(dga)}/exchange", "demo-clerk",
                             {"to": "RTP"})
    assert status == 201, queued
    assert "ส่งแล้ว 1" in _work(dga)
    assert _central(rtp)[1] == before  # not registered a second time on its own
    marked = [m for m in _arrivals(rtp) if m["duplicate_of"]]
    assert len(marked) == 1 and marked[0]["duplicate_of"]["number"] > 0
    # the clerk decides: here, that it is the same letter
    status, refused = rtp.api("POST", f"/exchange/arrivals/{marked[0]['id']}/reject",
                              "demo-admin", {"reason": "ได้รับทางไปรษณีย์แล้ว"})
    assert status == 200 and refused["status"] == "refused", refused
    assert _central(rtp)[1] == before


def test_the_same_message_three_times_is_registered_once(agencies):
    dga, rtp = agencies
    with _db(dga) as conn:
        payload = conn.execute("SELECT payload FROM exchange_message WHERE direction='out' "
                               "AND kind='letter' ORDER BY id LIMIT 1").fetchone()[0]
    _, before = _central(rtp)
    answers = [_post(rtp, "/exchange/v1/messages", payload.encode()) for _ in range(3)]
    assert {a[0] for a in answers} == {200}
    assert answers[0][1] == answers[1][1] == answers[2][1]  # the same acknowledgement
    assert _central(rtp)[1] == before


@pytest.mark.parametrize("spoil, code", [
    ("tamper", "bad_digest"),
    ("subject", "bad_signature"),
    ("wrong_key", "bad_signature"),
    ("unknown", "unknown_sender"),
])
def test_spoiled_messages_are_refused_and_nothing_is_registered(agencies, spoil, code,
                                                                 tmp_path):
    dga, rtp = agencies
    with _db(dga) as conn:
        message = json.loads(conn.execute(
            "SELECT payload FROM exchange_message WHERE direction='out' AND kind='letter' "
            "ORDER BY id LIMIT 1").fetchone()[0])
    message["MessageID"] = str(uuid.uuid4())  # not a repeat: a new message
    body = message["Body"]
    if spoil == "tamper":
        content = bytearray(body["MainLetterBinaryObject"]["Content"].encode())
        content[10] = ord("A") if content[10] != ord("A") else ord("B")
        body["MainLetterBinaryObject"]["Content"] = content.decode()
    elif spoil == "subject":
        body["Subject"] = body["Subject"] + " (แก้)"
    elif spoil == "wrong_key":  # well formed and signed, but not with DGA's key
        from saraban.exchange import protocol

        impostor = protocol.create_identity(tmp_path / "impostor", "DGA", "สพร. ปลอม")
        letter = protocol.letter_from_body(body)
        message = protocol.build_letter(impostor, "RTP", letter)
    else:
        message["From"] = "XYZ"
    _, before = _central(rtp)
    status, answer = _post(rtp, "/exchange/v1/messages",
                           json.dumps(message, ensure_ascii=False).encode())
    assert status in (400, 403), answer
    assert answer["error"]["code"] in (code, "bad_signature"), answer
    assert answer["error"]["message_th"]
    assert _central(rtp)[1] == before
    with _db(rtp) as conn:
        refused = conn.execute("SELECT sum(count) FROM exchange_refusal").fetchone()[0]
    assert refused >= 1  # counted, outside the audit chain


def test_a_peer_down_for_a_while_gets_the_letter_once_it_is_up(agencies):
    dga, rtp = agencies
    status, found = dga.api("GET", "/documents?number=" + urllib.parse.quote(
        "๐๐๓๓.๑๒/๕๐๕๒"), "demo-admin")
    memo = found["items"][0]["id"]
    _, before = _central(rtp)
    rtp.stop()
    try:
        status, queued = dga.api("POST", f"/documents/{memo}/exchange", "demo-clerk",
                                 {"to": "RTP"})
        assert status == 201, queued
        assert "รอส่งใหม่ 1" in _work(dga)
        with _db(dga) as conn:
            state, attempts, error = conn.execute(
                "SELECT status, attempts, last_error FROM exchange_message WHERE id = ?",
                (queued["id"],)).fetchone()
        assert (state, attempts) == ("queued", 1) and error
    finally:
        rtp.restart()
    time.sleep(2.2)  # the first pause before trying again
    assert "ส่งแล้ว 1" in _work(dga)
    assert len(_central(rtp)[1]) == len(before) + 1


def test_a_worker_that_died_mid_delivery_loses_nothing_and_doubles_nothing(agencies):
    dga, rtp = agencies
    letter = _new_letter(dga, "ว๒")
    _, before = _central(rtp)
    status, queued = dga.api("POST", f"/documents/{letter}/exchange", "demo-clerk",
                             {"to": "RTP"})
    assert status == 201
    assert "ส่งแล้ว 1" in _work(dga)
    # as if the worker had died after sending, before writing down that it was delivered:
    # the message is due again; sending it again registers nothing new
    with _db(dga) as conn:
        conn.execute("UPDATE exchange_message SET status='queued', delivered_at=NULL, "
                     "next_attempt_at='2000-01-01 00:00:00.000000' WHERE id = ?",
                     (queued["id"],))
    assert "ส่งแล้ว 1" in _work(dga)
    assert len(_central(rtp)[1]) == len(before) + 1
    # and a message a dead worker had claimed but not sent is sent after its lease
    status, queued = dga.api("POST", f"/documents/{letter}/exchange", "demo-clerk",
                             {"to": "RTP"})
    with _db(dga) as conn:
        conn.execute("UPDATE exchange_message SET next_attempt_at="
                     "'2000-01-01 00:00:00.000000' WHERE id = ?", (queued["id"],))
    assert "ส่งแล้ว 1" in _work(dga)
    # that second message is the same letter sent again: it waits for a clerk, marked
    assert len(_central(rtp)[1]) == len(before) + 1
    assert [m["document_id"] is not None for m in _arrivals(rtp) if m["duplicate_of"]] == [True]
