"""Sign-in accounts: `passwords` (argon2, lockout), `login_links` (single-use links in report mails),
`users` (creating accounts), `scope` (reps see their own items, managers their team, the office all).
"""
