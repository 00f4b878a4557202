"""The saraban@ mailbox end to end, with other programs than ours on the other side: a Thai
letter written as OpenDocument text (flat .fodt, the XML written here) in the Laksaman font
(fonts-thai-tlwg), made a PDF by LibreOffice (``soffice --headless --convert-to pdf``),
mailed by ``swaks`` with its Thai subject and Thai file name to the real Postfix
(tests/smtpserver.py), which delivers it into its Maildir; the delivered bytes put into the
real Dovecot (tests/mailservers.py, IMAP APPEND as a delivery agent does) and fetched by
``fetch_once``: the subject and the file name read right, the PDF the main letter, byte for
byte LibreOffice's.

swaks (20201014, Debian 12's) does not encode headers: given Thai text it writes the
Subject and the file name as raw 8-bit UTF-8 (as some old Thai clients do). The test mails
it both ways: as swaks writes it, and with the Subject and the name handed to swaks as
RFC 2047 encoded words (as most mail clients write them).

Without swaks or soffice the test skips, saying why; in CI (``CI`` set, as .ci/run installs
both) it fails instead.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from saraban.mail import receiving
from saraban.mail.imap import parse_url
from saraban.mail.models import MailArrival
from tests.mailservers import running_dovecot
from tests.pdftools import pdftotext
from tests.smtpserver import postfix  # noqa: F401  (the fixture)

NUMBER = "ศธ ๐๒๐๑/๑๒๓"
SUBJECT = "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์"
FILE_NAME = "หนังสือเชิญประชุม ศธ ๐๒๐๑-๑๒๓.pdf"
FONT = Path("/usr/share/fonts/truetype/tlwg/Laksaman.ttf")


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install {package})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _fodt(lines: list[str]) -> str:
    """A flat OpenDocument text: every paragraph in Laksaman 16 pt, Thai set as the
    complex-script language (the font LibreOffice uses for Thai is the complex one)."""
    body = "".join(f"<text:p>{escape(line)}</text:p>" for line in lines)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="Laksaman" svg:font-family="Laksaman"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:text-properties style:font-name="Laksaman" fo:font-size="16pt"
    style:font-name-asian="Laksaman" style:font-name-complex="Laksaman"
    style:font-size-complex="16pt" fo:language="th" fo:country="TH"
    style:language-complex="th" style:country-complex="TH"/>
  </style:default-style>
 </office:styles>
 <office:body><office:text>{body}</office:text></office:body>
</office:document>
"""


def _letter_pdf(folder: Path) -> bytes:
    soffice = _tool("soffice", "libreoffice-writer-nogui")
    if not FONT.exists():
        pytest.fail("the Laksaman font is missing (apt-get install fonts-thai-tlwg)")
    source = folder / "letter.fodt"
    source.write_text(_fodt([f"ที่ {NUMBER}", "กระทรวงศึกษาธิการ", f"เรื่อง {SUBJECT}",
                             "เรียน ผู้อำนวยการสำนักงานสารบรรณ",
                             "ด้วยกระทรวงศึกษาธิการจะจัดประชุมคณะทำงาน จึงเรียนมาเพื่อโปรดทราบ"]),
                      encoding="utf-8")
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(folder)})
    pdf = folder / "letter.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    return pdf.read_bytes()


def _fonts(pdf: bytes) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get_object().get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def _word(text: str) -> str:
    return f"=?utf-8?B?{base64.b64encode(text.encode()).decode()}?="


@pytest.fixture(scope="module")
def letter(tmp_path_factory) -> Path:
    """LibreOffice's PDF of the letter (made once for the module)."""
    folder = tmp_path_factory.mktemp("libreoffice")
    pdf = _letter_pdf(folder)
    assert pdf.startswith(b"%PDF-")
    assert any(name.startswith("Laksaman") for name in _fonts(pdf)), _fonts(pdf)
    assert NUMBER.split()[0] in pdftotext(pdf)
    return folder / "letter.pdf"


@pytest.mark.parametrize("encoded", [False, True], ids=["8bit-as-swaks-writes", "rfc2047"])
def test_a_thai_letter_from_libreoffice_mailed_by_swaks_is_fetched_right(
        app, db_session, postfix, tmp_path, letter, encoded):  # noqa: F811
    swaks = _tool("swaks", "swaks")
    pdf = letter.read_bytes()
    subject = f"ที่ {NUMBER} เรื่อง {SUBJECT}"

    # swaks (not Python) writes the message: its Thai subject, Thai file name and MIME
    (tmp_path / "body.txt").write_text(f"เรียน สารบรรณ\nส่งหนังสือที่ {NUMBER} มาเพื่อโปรดทราบ\n",
                                       encoding="utf-8")
    done = subprocess.run(
        [swaks, "--server", f"127.0.0.1:{postfix.port}", "--tls",
         "--tls-ca-path", str(postfix.ca_file), "--ehlo", "mail.moe.test",
         "--from", "saraban@moe.test", "--to", f"saraban@{postfix.domain}",
         "--header", f"Subject: {_word(subject) if encoded else subject}",
         "--header", f"From: {_word('กระทรวงศึกษาธิการ') if encoded else 'กระทรวงศึกษาธิการ'}"
                     " <saraban@moe.test>",
         "--attach-type", "text/plain; charset=utf-8", "--attach-body", f"@{tmp_path / 'body.txt'}",
         "--attach-type", "application/pdf", "--attach-name",
         _word(FILE_NAME) if encoded else FILE_NAME, "--attach", f"@{letter}"],
        capture_output=True, timeout=60)
    assert done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")[-3000:]
    (raw,) = postfix.delivered_raw(1)
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert "swaks" in str(sent["X-Mailer"]).lower()  # swaks made it, not our code
    head = raw.split(b"\n\n", 1)[0]
    assert (b"=?utf-8?B?" in head) == encoded and (SUBJECT.encode() in head) != encoded

    with running_dovecot(tmp_path / "imap") as imap:
        imap.deliver(raw)
        report = receiving.fetch_once(parse_url(imap.url), done_folder="Saraban/Done")
        assert report.ok and (report.fetched, report.stored, report.moved) == (1, 1, 1), report
        assert len(imap.messages("Saraban/Done")) == 1

    arrival = db_session.get(MailArrival, report.arrival_ids[0])
    assert arrival.subject == subject
    assert (arrival.from_address, arrival.from_name) == ("saraban@moe.test", "กระทรวงศึกษาธิการ")
    assert arrival.kind == "letter" and arrival.main_filename == FILE_NAME
    assert arrival.main_file.sha256 == hashlib.sha256(pdf).hexdigest()  # LibreOffice's PDF
    assert arrival.enclosures == [] and arrival.refused == []
    crlf = re.sub(rb"\r?\n", b"\r\n", raw)  # as IMAP APPEND carries it
    assert arrival.raw_file.sha256 == hashlib.sha256(crlf).hexdigest()
