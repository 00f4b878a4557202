"""Certified copies (สำเนาถูกต้อง): the model and the operation that makes them."""
