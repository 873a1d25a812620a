"""Complaint texts for the demo data set, written for it: several phrasings per fault."""

PHRASES: dict[str, list[str]] = {
    "logistics": [
        "下单五天了还没发货,客服一直说在排队,到底什么时候能到?",
        "快递送到的时候外箱被压扁了,手机盒子也有凹痕,要求换货。",
        "物流显示已签收,但我根本没收到包裹,快递员也联系不上。",
        "The parcel arrived a week late and the box was torn open.",
    ],
    "screen": [
        "屏幕右下角触控失灵,打字经常点不到,重启也没用。",
        "手机从桌上掉下来屏幕碎了,想问碎屏维修多少钱。",
        "屏幕上出现一条绿线,亮度调低时还会闪屏。",
        "The touch screen stops responding near the bottom edge every few minutes.",
    ],
    "battery_charging": [
        "电池健康度只有76%了,买了才一年多,能免费换吗?",
        "用原装充电器充一晚上才到80%,快充好像失效了。",
        "电池掉电特别快,待机一晚上掉了30%。",
        "The battery drains from full to empty in half a day since last month.",
    ],
    "system_software": [
        "系统升级失败后一直卡在开机画面,数据还没备份。",
        "更新新版本以后微信经常闪退,系统也很卡顿。",
        "手机每天自动重启好几次,恢复出厂设置也没解决。",
        "After the latest update the phone freezes and reboots by itself.",
    ],
    "camera": [
        "后置摄像头拍照模糊,对焦一直来回跳。",
        "打开相机就黑屏,提示相机无法连接。",
        "The rear camera cannot focus and every photo comes out blurry.",
    ],
    "signal_network_call": [
        "在家信号只有一格,打电话经常掉线,别的手机都正常。",
        "WiFi 连上了但是上不了网,蓝牙耳机也总是断开。",
        "Calls drop after a minute and the phone often shows no service.",
    ],
    "audio": [
        "扬声器声音很小还有杂音,外放听不清。",
        "打电话对方说听不到我说话,麦克风好像坏了。",
        "The earpiece is so quiet I have to use the speaker for every call.",
    ],
    "hardware_other": [
        "玩一会游戏机身就发烫得厉害,烫手。",
        "指纹解锁经常识别不了,电源键也有点松。",
        "The phone overheats while charging and the fingerprint sensor fails.",
    ],
    "after_sales_service": [
        "送修两周了还没修好,网点一直说等配件,客服态度也很差。",
        "维修后发现换的屏幕不是原装的,网点不承认。",
        "手机还在保修期内,网点却说是人为损坏拒绝保修。",
        "The service centre kept my phone for three weeks and returned it unrepaired.",
    ],
    "sales_price_refund": [
        "刚买三天就降价三百,申请保价被拒绝。",
        "申请退货退款十天了还没到账。",
        "买手机时承诺的赠品一直没发,发票也没开。",
        "I returned the phone two weeks ago and still have no refund.",
    ],
    "other": [
        "想咨询一下以旧换新的具体流程。",
        "请问你们的营业时间和地址。",
    ],
}

ESCALATION_TAILS = [
    "",
    "",
    "",
    "再不解决我就打12315投诉。",
    "如果还不处理,我会找律师起诉。",
    "I will report this to the consumer association if nothing happens.",
]

CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "西安",
    "南京",
    "重庆",
    "天津",
    "苏州",
    "长沙",
    "郑州",
    "东莞",
    "青岛",
    "沈阳",
    "宁波",
    "昆明",
    "合肥",
]

MODELS = ["Reno10", "Reno11 Pro", "Find X7", "A79", "K11", "Find N3", "A2 Pro", "Reno12"]

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡"]
