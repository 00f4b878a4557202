"""How each numbered letter goes to each of its destinations (ช่องทางการส่ง)."""
