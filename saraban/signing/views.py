"""The signer's own page: his signing certificates, and a PKCS#12 file of another CA kept as
his (its key encrypted at rest)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from saraban.extensions import db
from saraban.pages import run_operation
from saraban.signing.models import SigningCertificate
from saraban.signing.operations import upload_pkcs12

bp = Blueprint("signing", __name__)


@bp.get("/account/signing")
@login_required
def certificates():
    rows = list(db.session.scalars(
        select(SigningCertificate).where(SigningCertificate.user_id == current_user.id)
        .order_by(SigningCertificate.not_after.desc())))
    return render_template("accounts/signing.html", certificates=rows)


@bp.post("/account/signing")
@login_required
def upload():
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    run_operation(lambda: upload_pkcs12(current_user, data, request.form.get("password", "")),
                  gettext("เก็บใบรับรองสำหรับลงนามแล้ว"))
    return redirect(url_for("signing.certificates"))
