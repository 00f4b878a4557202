"""How long an account's fields may be: written once, read by the operations, the API's
models (saraban/api/schemas/admin.py) and the login form (saraban/accounts/forms.py)."""

USERNAME = 80
DISPLAY_NAME = 255
