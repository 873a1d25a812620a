from django.urls import path

from aftersales.intake.channels.douyin.views import douyin_webhook
from aftersales.intake.channels.wechat.views import wechat_callback
from aftersales.intake.channels.weibo.views import weibo_push

urlpatterns = [
    path("wechat/", wechat_callback, name="channel-wechat"),
    path("weibo/", weibo_push, name="channel-weibo"),
    path("douyin/", douyin_webhook, name="channel-douyin"),
]
