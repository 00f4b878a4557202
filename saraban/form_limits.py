"""A form field's length limit, taken from the constant the operations and the API's models
use (saraban/documents/limits.py, saraban/accounts/limits.py), so that it is written once.

The forms keep WTForms for CSRF and rendering (the limit is rendered as ``maxlength``);
the refusal names the field and the limit in the page's language, Thai digits in Thai."""

from __future__ import annotations

from flask_babel import gettext
from wtforms.validators import Length, ValidationError

from saraban.thaidate import to_thai_digits


class MaxLength(Length):
    """``Length(max=limit)`` whose message is "<what>ยาวเกิน <limit> ตัวอักษร"."""

    def __init__(self, limit: int, what):
        super().__init__(max=limit)
        self.what = what  # a lazy_gettext noun: เรื่อง, ผู้ส่ง, ...

    def __call__(self, form, field):
        if len(field.data or "") <= self.max:
            return
        from saraban.i18n import current_lang

        n = f"{self.max:,}"
        raise ValidationError(gettext("%(what)sยาวเกิน %(n)s ตัวอักษร", what=self.what,
                                      n=n if current_lang() == "en" else to_thai_digits(n)))
