from django import forms


class ComplaintForm(forms.Form):
    """The public web form. Validation of substance is the intake service's; this only shapes input."""

    text = forms.CharField(label="问题描述 Describe the problem", widget=forms.Textarea, required=False)
    name = forms.CharField(label="姓名 Name", required=False)
    phone = forms.CharField(label="手机号 Mobile phone", required=False)
    email = forms.CharField(label="电子邮箱 E-mail", required=False)
    imei = forms.CharField(label="IMEI(拨 *#06# 查看) IMEI (dial *#06#)", required=False)
    device_model = forms.CharField(label="机型 Model", required=False)
    purchase_date = forms.DateField(
        label="购买日期 Purchase date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    city = forms.CharField(label="城市 City", required=False)
    language = forms.ChoiceField(label="语言 Language", choices=[("zh-hans", "简体中文"), ("en", "English")])
