"""The organization's activity over time: mail, meetings, chats and SharePoint sharing.

Each model generates activity from keyed random generators (see ``randomness.py``) and keeps
only bounded caches; :class:`~mgdc_pipelines.sources.synthetic.activity.models.Activity`
bundles one tenant's models.
"""
