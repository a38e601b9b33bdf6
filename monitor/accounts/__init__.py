"""Sign-in accounts: `passwords` (argon2, sign-in without an oracle), `throttle` (by name, network and trusted
browser), `sessions` (server-side, revocable), `login_links` (single-use mailed links), `users` (creating
accounts), `manage` and `resets` (what admins do, each with its `audit` event), `scope` (reps see their own
items, managers their team, the office all).
"""
