from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from saraban.accounts import limits
from saraban.accounts.operations import PASSWORD_MAX_LENGTH
from saraban.form_limits import MaxLength


class LoginForm(FlaskForm):
    username = StringField(
        lazy_gettext("ชื่อผู้ใช้"),
        validators=[
            DataRequired(lazy_gettext("กรุณากรอกชื่อผู้ใช้")),
            MaxLength(limits.USERNAME, lazy_gettext("ชื่อผู้ใช้")),
        ],
    )
    password = PasswordField(
        lazy_gettext("รหัสผ่าน"),
        validators=[
            DataRequired(lazy_gettext("กรุณากรอกรหัสผ่าน")),
            MaxLength(PASSWORD_MAX_LENGTH, lazy_gettext("รหัสผ่าน")),
        ],
    )


class CodeForm(FlaskForm):
    """The six-digit code from the authenticator app (Thai digits too) or a recovery code."""

    code = StringField(
        lazy_gettext("รหัสยืนยัน"),
        validators=[
            DataRequired(lazy_gettext("กรุณากรอกรหัสจากแอปยืนยันตัวตน")),
            Length(max=40, message=lazy_gettext("รหัสยืนยันยาวเกินไป")),
        ],
    )


class NewPasswordForm(FlaskForm):
    """The user's own password, after a one-time one."""

    new = PasswordField(
        lazy_gettext("รหัสผ่านใหม่"),
        validators=[DataRequired(lazy_gettext("กรุณากรอกรหัสผ่านใหม่"))],
    )
    again = PasswordField(
        lazy_gettext("รหัสผ่านใหม่อีกครั้ง"),
        validators=[DataRequired(lazy_gettext("กรุณากรอกรหัสผ่านใหม่อีกครั้ง"))],
    )


class PasswordChangeForm(NewPasswordForm):
    """The user's own new password, proved by the current one."""

    current = PasswordField(
        lazy_gettext("รหัสผ่านปัจจุบัน"),
        validators=[DataRequired(lazy_gettext("กรุณากรอกรหัสผ่านปัจจุบัน"))],
    )


class TotpDisableForm(FlaskForm):
    """Either a current code or the password proves it is the user himself."""

    code = StringField(lazy_gettext("รหัสจากแอปยืนยันตัวตน"),
                       validators=[Length(max=40, message=lazy_gettext("รหัสยืนยันยาวเกินไป"))])
    password = PasswordField(lazy_gettext("หรือรหัสผ่าน"),
                             validators=[MaxLength(PASSWORD_MAX_LENGTH,
                                                   lazy_gettext("รหัสผ่าน"))])
