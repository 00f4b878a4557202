"""The commander's desk: what is proposed to him, his endorsements (เกษียน) and orders,
and the capacity he signs in (his own position, or another's under a delegation)."""
