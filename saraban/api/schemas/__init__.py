"""The API's bodies and answers as pydantic v2 models, one module per area; the OpenAPI
description is generated from them (saraban/api/contract.py). Answers forbid fields they
do not name and require every field a real answer always carries."""
