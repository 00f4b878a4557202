"""The clerk's receipt form (ลงรับหนังสือ)."""

from __future__ import annotations

import uuid

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from saraban.documents import limits
from saraban.form_limits import MaxLength
from saraban.i18n import current_lang, label
from saraban.thaidate import ThaiDateError, parse_date

# the names of the levels, in the page's language when the form is shown (saraban.i18n)
URGENCY_CHOICES = [SelectChoice(str(i), LazyString(label, i, "urgency")) for i in range(4)]
SECRECY_CHOICES = [SelectChoice(str(i), LazyString(label, i, "secrecy")) for i in range(4)]


class ChoiceField(SelectField):
    """A select whose refusal of a value not offered is in the page's language."""

    def __init__(self, *args, **kwargs):
        # also for a value that is not even a number (register_id=abc), not wtforms' English
        kwargs.setdefault("invalid_value_message",
                          lazy_gettext("ไม่มีตัวเลือกนี้ในรายการ กรุณาเลือกใหม่"))
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(gettext("ไม่มีตัวเลือกนี้ในรายการ กรุณาเลือกใหม่")) from None


def _thai_date(form, field):
    if field.data:
        try:
            parse_date(field.data)
        except ThaiDateError as error:
            raise ValidationError(
                error.message_en if current_lang() == "en" else str(error)) from None


class ReceiveForm(FlaskForm):
    register_id = ChoiceField(lazy_gettext("ทะเบียน"), coerce=int)
    number = StringField(lazy_gettext("ที่ (เลขที่หนังสือ)"), validators=[
        MaxLength(limits.NUMBER, lazy_gettext("เลขที่หนังสือ"))])
    date = StringField(lazy_gettext("ลงวันที่"), validators=[
        DataRequired(lazy_gettext("กรุณากรอกวันที่ของหนังสือ เช่น ๒๐ พ.ย. ๒๕๖๙")), _thai_date])
    sender = StringField(lazy_gettext("จาก"), validators=[
        DataRequired(lazy_gettext("กรุณากรอกผู้ส่ง / ส่วนราชการเจ้าของหนังสือ")),
        MaxLength(limits.SENDER, lazy_gettext("ผู้ส่ง"))])
    addressee = StringField(lazy_gettext("เรียน / ถึง"), validators=[
        MaxLength(limits.ADDRESSEE, lazy_gettext("ข้อความ"))])
    subject = TextAreaField(lazy_gettext("เรื่อง"), validators=[
        DataRequired(lazy_gettext("กรุณากรอกเรื่อง")),
        MaxLength(limits.SUBJECT, lazy_gettext("เรื่อง"))])
    urgency = ChoiceField(lazy_gettext("ชั้นความเร็ว"), choices=URGENCY_CHOICES, default="0")
    secrecy = ChoiceField(lazy_gettext("ชั้นความลับ"), choices=SECRECY_CHOICES, default="0")
    scan = FileField(lazy_gettext("ไฟล์สแกนหนังสือ (ถ้ามี: PDF, PNG, JPEG, TIFF)"))
    # One key per filled form: a double-clicked submit carries the same key twice.
    form_key = HiddenField()

    def new_key(self) -> None:
        self.form_key.data = uuid.uuid4().hex


KIND_CHOICES = [SelectChoice("internal", lazy_gettext("หนังสือภายใน (บันทึกข้อความ)")),
                *(SelectChoice(kind, LazyString(label, kind, "kind"))
                  for kind in ("external", "stamped", "directive", "publicity"))]


class SendForm(FlaskForm):
    """ส่งหนังสือ: an outgoing document of the unit, numbered when saved."""

    register_id = ChoiceField(lazy_gettext("ทะเบียนหนังสือส่ง"), coerce=int)
    kind = ChoiceField(lazy_gettext("ชนิดหนังสือ"), choices=KIND_CHOICES, default="internal")
    to = StringField(lazy_gettext("ถึง / เรียน"), validators=[
        DataRequired(lazy_gettext("กรุณากรอกผู้รับหนังสือ")),
        MaxLength(limits.ADDRESSEE, lazy_gettext("ข้อความ"))])
    subject = TextAreaField(lazy_gettext("เรื่อง"), validators=[
        DataRequired(lazy_gettext("กรุณากรอกเรื่อง")),
        MaxLength(limits.SUBJECT, lazy_gettext("เรื่อง"))])
    body = TextAreaField(lazy_gettext("เนื้อความโดยย่อ (ถ้ามี)"), validators=[
        MaxLength(limits.BODY, lazy_gettext("เนื้อความ"))])
    urgency = ChoiceField(lazy_gettext("ชั้นความเร็ว"), choices=URGENCY_CHOICES, default="0")
    secrecy = ChoiceField(lazy_gettext("ชั้นความลับ"), choices=SECRECY_CHOICES, default="0")
    scan = FileField(lazy_gettext("ไฟล์หนังสือที่ลงนามแล้ว (ถ้ามี: PDF, PNG, JPEG, TIFF)"))
    form_key = HiddenField()

    def new_key(self) -> None:
        self.form_key.data = uuid.uuid4().hex
