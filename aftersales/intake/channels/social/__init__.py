"""What the social channels (WeChat, Weibo, Douyin) share: deliveries, conversations, replies out."""
