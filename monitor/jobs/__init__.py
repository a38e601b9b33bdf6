"""Unattended work: `tasks` (the daily crawl, the biweekly report, maintenance) and `scheduler` (APScheduler
running them at the users' times). An interface like the CLI and the web app: it calls the areas below.
"""
