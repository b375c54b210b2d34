"""What happened to a bout, as evidence: its audit trail and the incident evidence document.

It reads every domain (bouts, signing, idempotency, audit), so it sits above all of them; the
audit package itself only writes and reads rows.
"""
