"""Pure rules of the improvement method: no session, no clock, no settings (values come in)."""
