"""Privacy services: erasure (the right to be forgotten), export-my-data, retention, the access log.

Each app that stores personal data contributes a `PersonalDataSource` (registry.py) from its own
`privacy.py`, registered in its AppConfig.ready(); the services here run them all. See docs/privacy.md.
"""
