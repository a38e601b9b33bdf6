"""Foundations every layer may use: settings, site configs, the evidence store, i18n, labels, mail, locks.

Imports only `models`. Nothing here knows about capture, matching, accountability or the web app.
"""
