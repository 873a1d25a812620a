from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_first_response_and_queue_order")]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "创建 Created"),
                    ("message_in", "客户来信 Message in"),
                    ("message_out", "回复客户 Message out"),
                    ("note", "备注 Note"),
                    ("status", "状态变更 Status change"),
                    ("assignment", "分配 Assignment"),
                    ("escalation", "升级 Escalation"),
                    ("triage", "预诊断 Pre-diagnosis"),
                    ("sla_breach", "超时 SLA breach"),
                    ("attachment", "附件 Attachment"),
                    ("inspection", "检测 Inspection"),
                    ("follow_up", "后续投诉 Follow-up complaint"),
                    ("repair", "维修 Repair"),
                ],
                max_length=16,
            ),
        ),
    ]
