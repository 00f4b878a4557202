from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(
        "ชื่อผู้ใช้", validators=[DataRequired("กรุณากรอกชื่อผู้ใช้"), Length(max=80)]
    )
    password = PasswordField(
        "รหัสผ่าน", validators=[DataRequired("กรุณากรอกรหัสผ่าน"), Length(max=200)]
    )
