"""Privacy by design: export, erasure and retention of one person's data, across every domain.

`sources.PersonalDataSource` is what each domain implements; `sources.PrivacyRegistry` holds
them; `export`, `erasure` and `retention` run every registered source for one person or one
organisation.
"""
