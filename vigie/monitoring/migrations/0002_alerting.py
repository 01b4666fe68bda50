from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="needs_processing_since",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="follow-up pending since"),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(("needs_processing_since__isnull", False)),
                fields=["needs_processing_since"],
                name="alert_pending_follow_up",
            ),
        ),
    ]
