"""The 400 hotline: calls pushed by the call-centre system, their recordings, call-backs."""
