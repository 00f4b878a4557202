"""The clerk's receipt form (ลงรับหนังสือ)."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from saraban.thaidate import ThaiDateError, parse_date

URGENCY_CHOICES = [SelectChoice(str(i), label) for i, label in
                   enumerate(("ปกติ", "ด่วน", "ด่วนมาก", "ด่วนที่สุด"))]
SECRECY_CHOICES = [SelectChoice(str(i), label) for i, label in
                   enumerate(("ปกติ", "ลับ", "ลับมาก", "ลับที่สุด"))]


class ChoiceField(SelectField):
    """A select whose refusal of a value not offered is in Thai."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("ไม่มีตัวเลือกนี้ในรายการ กรุณาเลือกใหม่") from None


def _thai_date(form, field):
    if field.data:
        try:
            parse_date(field.data)
        except ThaiDateError as error:
            raise ValidationError(str(error)) from None


class ReceiveForm(FlaskForm):
    register_id = ChoiceField("ทะเบียน", coerce=int)
    number = StringField("ที่ (เลขที่หนังสือ)", validators=[
        Length(max=120, message="เลขที่หนังสือยาวเกิน ๑๒๐ ตัวอักษร")])
    date = StringField("ลงวันที่", validators=[
        DataRequired("กรุณากรอกวันที่ของหนังสือ เช่น ๒๐ พ.ย. ๒๕๖๙"), _thai_date])
    sender = StringField("จาก", validators=[
        DataRequired("กรุณากรอกผู้ส่ง / ส่วนราชการเจ้าของหนังสือ"),
        Length(max=500, message="ผู้ส่งยาวเกิน ๕๐๐ ตัวอักษร")])
    addressee = StringField("เรียน / ถึง", validators=[
        Length(max=1000, message="ข้อความยาวเกิน ๑,๐๐๐ ตัวอักษร")])
    subject = TextAreaField("เรื่อง", validators=[
        DataRequired("กรุณากรอกเรื่อง"), Length(max=2000, message="เรื่องยาวเกิน ๒,๐๐๐ ตัวอักษร")])
    urgency = ChoiceField("ชั้นความเร็ว", choices=URGENCY_CHOICES, default="0")
    secrecy = ChoiceField("ชั้นความลับ", choices=SECRECY_CHOICES, default="0")
    scan = FileField("ไฟล์สแกนหนังสือ (ถ้ามี: PDF, PNG, JPEG, TIFF)")
    # One key per filled form: a double-clicked submit carries the same key twice.
    form_key = HiddenField()

    def new_key(self) -> None:
        self.form_key.data = uuid.uuid4().hex


KIND_CHOICES = [SelectChoice("internal", "หนังสือภายใน (บันทึกข้อความ)"),
                SelectChoice("external", "หนังสือภายนอก"),
                SelectChoice("stamped", "หนังสือประทับตรา"),
                SelectChoice("directive", "หนังสือสั่งการ"),
                SelectChoice("publicity", "หนังสือประชาสัมพันธ์")]


class SendForm(FlaskForm):
    """ส่งหนังสือ: an outgoing document of the unit, numbered when saved."""

    register_id = ChoiceField("ทะเบียนหนังสือส่ง", coerce=int)
    kind = ChoiceField("ชนิดหนังสือ", choices=KIND_CHOICES, default="internal")
    to = StringField("ถึง / เรียน", validators=[
        DataRequired("กรุณากรอกผู้รับหนังสือ"),
        Length(max=1000, message="ข้อความยาวเกิน ๑,๐๐๐ ตัวอักษร")])
    subject = TextAreaField("เรื่อง", validators=[
        DataRequired("กรุณากรอกเรื่อง"), Length(max=2000, message="เรื่องยาวเกิน ๒,๐๐๐ ตัวอักษร")])
    body = TextAreaField("เนื้อความโดยย่อ (ถ้ามี)", validators=[
        Length(max=200_000, message="เนื้อความยาวเกินกำหนด")])
    urgency = ChoiceField("ชั้นความเร็ว", choices=URGENCY_CHOICES, default="0")
    secrecy = ChoiceField("ชั้นความลับ", choices=SECRECY_CHOICES, default="0")
    scan = FileField("ไฟล์หนังสือที่ลงนามแล้ว (ถ้ามี: PDF, PNG, JPEG, TIFF)")
    form_key = HiddenField()

    def new_key(self) -> None:
        self.form_key.data = uuid.uuid4().hex
