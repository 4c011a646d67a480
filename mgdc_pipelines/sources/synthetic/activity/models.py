"""One tenant's activity models, created on first use and kept by the source that uses them."""

from __future__ import annotations

from functools import cached_property

from mgdc_pipelines.sources.synthetic.activity.channels import ChannelModel
from mgdc_pipelines.sources.synthetic.activity.chats import ChatModel
from mgdc_pipelines.sources.synthetic.activity.mail import MailModel
from mgdc_pipelines.sources.synthetic.activity.mail_arrays import MailArrays
from mgdc_pipelines.sources.synthetic.activity.mail_text import MailText
from mgdc_pipelines.sources.synthetic.activity.meeting_text import MeetingText
from mgdc_pipelines.sources.synthetic.activity.meetings import MeetingModel
from mgdc_pipelines.sources.synthetic.activity.site_files import FileModel
from mgdc_pipelines.sources.synthetic.activity.sites import SiteModel
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant


class Activity:
    """Mail, meetings, chats, channel posts and sites of one tenant; bounded caches that only
    save time."""

    def __init__(self, tenant: SyntheticTenant) -> None:
        self.tenant = tenant

    @cached_property
    def mail(self) -> MailModel:
        return MailModel(self.tenant)

    @cached_property
    def mail_arrays(self) -> MailArrays:
        """Version 3 of the mail rows (arrays a block of mailboxes at a time)."""
        return MailArrays(self.tenant)

    @cached_property
    def mail_text(self) -> MailText:
        return MailText(self.tenant)

    @cached_property
    def meetings(self) -> MeetingModel:
        return MeetingModel(self.tenant)

    @cached_property
    def meeting_text(self) -> MeetingText:
        return MeetingText(self.tenant)

    @cached_property
    def chats(self) -> ChatModel:
        return ChatModel(self.tenant)

    @cached_property
    def channels(self) -> ChannelModel:
        return ChannelModel(self.tenant)

    @cached_property
    def sites(self) -> SiteModel:
        return SiteModel(self.tenant)

    @cached_property
    def site_files(self) -> FileModel:
        """The files of the sites' document libraries and the actions on them."""
        return FileModel(self.sites)
