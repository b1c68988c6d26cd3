"""xlsx writers for the technisch rapport, the op-orde rapport and shared table helpers."""
