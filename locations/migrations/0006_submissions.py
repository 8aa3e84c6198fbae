"""Suggestions and problem reports from the public; the table of the "shared" cache, which
counts submissions per IP address for every worker. (The staff groups' permissions
follow their rules after every migrate: locations/roles.py.)"""

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The layout `manage.py createcachetable` gives Django's DatabaseCache, made here so that
# `migrate` alone prepares the database (the table stays unused when CACHE_URL is set);
# "IF NOT EXISTS" in case createcachetable ran first.
CACHE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS "shared_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "shared_cache_expires" ON "shared_cache" ("expires");
"""

class Migration(migrations.Migration):

    dependencies = [
        ('locations', '0005_duplicates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProblemReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('status', models.CharField(choices=[('new', 'New'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='new', max_length=10)),
                ('contact_email', models.EmailField(blank=True, help_text='Staff only: where the submitter may be asked a question.', max_length=254)),
                ('staff_note', models.TextField(blank=True, help_text='Staff only; never shown publicly.')),
                ('moderated_at', models.DateTimeField(blank=True, null=True)),
                ('language', models.CharField(choices=[('en', 'English'), ('es', 'Español')], default='en', help_text='The language the submitter used the site in.', max_length=10)),
                ('problem', models.CharField(choices=[('closed', 'The place has closed'), ('wrong_address', 'The address is wrong'), ('wrong_hours', 'The hours are wrong'), ('wrong_phone', 'The phone number is wrong'), ('no_naloxone', 'They do not have naloxone'), ('other', 'Something else')], max_length=20)),
                ('details', models.TextField(blank=True)),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='locations.location')),
                ('moderated_by', models.ForeignKey(blank=True, help_text='Staff only: who accepted or rejected it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
                'abstract': False,
                'indexes': [models.Index(fields=['status', '-created_at'], name='problemreport_queue')],
            },
        ),
        migrations.CreateModel(
            name='Suggestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('status', models.CharField(choices=[('new', 'New'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='new', max_length=10)),
                ('contact_email', models.EmailField(blank=True, help_text='Staff only: where the submitter may be asked a question.', max_length=254)),
                ('staff_note', models.TextField(blank=True, help_text='Staff only; never shown publicly.')),
                ('moderated_at', models.DateTimeField(blank=True, null=True)),
                ('language', models.CharField(choices=[('en', 'English'), ('es', 'Español')], default='en', help_text='The language the submitter used the site in.', max_length=10)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('pharmacy', 'Pharmacy'), ('law_enforcement', 'Police or sheriff'), ('harm_reduction', 'Harm reduction program'), ('health_department', 'Health department'), ('hospital', 'Hospital'), ('clinic', 'Clinic'), ('vending_machine', 'Vending machine'), ('mail_based', 'By mail'), ('other', 'Other')], max_length=20)),
                ('street_address', models.CharField(blank=True, max_length=200)),
                ('address_line2', models.CharField(blank=True, max_length=200)),
                ('city', models.CharField(max_length=100)),
                ('state', models.CharField(choices=[('AL', 'Alabama'), ('AK', 'Alaska'), ('AS', 'American Samoa'), ('AZ', 'Arizona'), ('AR', 'Arkansas'), ('CA', 'California'), ('CO', 'Colorado'), ('CT', 'Connecticut'), ('DE', 'Delaware'), ('DC', 'District of Columbia'), ('FL', 'Florida'), ('GA', 'Georgia'), ('GU', 'Guam'), ('HI', 'Hawaii'), ('ID', 'Idaho'), ('IL', 'Illinois'), ('IN', 'Indiana'), ('IA', 'Iowa'), ('KS', 'Kansas'), ('KY', 'Kentucky'), ('LA', 'Louisiana'), ('ME', 'Maine'), ('MD', 'Maryland'), ('MA', 'Massachusetts'), ('MI', 'Michigan'), ('MN', 'Minnesota'), ('MS', 'Mississippi'), ('MO', 'Missouri'), ('MT', 'Montana'), ('NE', 'Nebraska'), ('NV', 'Nevada'), ('NH', 'New Hampshire'), ('NJ', 'New Jersey'), ('NM', 'New Mexico'), ('NY', 'New York'), ('NC', 'North Carolina'), ('ND', 'North Dakota'), ('MP', 'Northern Mariana Islands'), ('OH', 'Ohio'), ('OK', 'Oklahoma'), ('OR', 'Oregon'), ('PA', 'Pennsylvania'), ('PR', 'Puerto Rico'), ('RI', 'Rhode Island'), ('SC', 'South Carolina'), ('SD', 'South Dakota'), ('TN', 'Tennessee'), ('TX', 'Texas'), ('VI', 'U.S. Virgin Islands'), ('UT', 'Utah'), ('VT', 'Vermont'), ('VA', 'Virginia'), ('WA', 'Washington'), ('WV', 'West Virginia'), ('WI', 'Wisconsin'), ('WY', 'Wyoming')], max_length=2)),
                ('zip_code', models.CharField(max_length=5, validators=[django.core.validators.RegexValidator('^\\d{5}$', 'Enter a 5-digit ZIP code.')])),
                ('phone', models.CharField(blank=True, help_text='Stored as +1XXXXXXXXXX.', max_length=20)),
                ('website', models.URLField(blank=True, max_length=500)),
                ('offerings', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('free_naloxone', 'Free naloxone'), ('no_prescription', 'No prescription needed'), ('sells_otc', 'Sells over the counter'), ('nasal_spray', 'Nasal spray'), ('injectable', 'Injectable'), ('training', 'Training'), ('fentanyl_test_strips', 'Fentanyl test strips'), ('walk_in', 'Walk-in'), ('anonymous', 'Anonymous, no ID needed'), ('open_24_7', '24/7 access'), ('wheelchair_accessible', 'Wheelchair accessible')], max_length=30), blank=True, default=list, help_text="What the visitor says the place offers (the listing's offering fields).", size=None)),
                ('notes', models.TextField(blank=True, help_text='Anything else the visitor told us.')),
                ('location', models.ForeignKey(blank=True, help_text='The draft listing made when the suggestion was accepted.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='locations.location')),
                ('moderated_by', models.ForeignKey(blank=True, help_text='Staff only: who accepted or rejected it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
                'abstract': False,
                'indexes': [models.Index(fields=['status', '-created_at'], name='suggestion_queue')],
            },
        ),
        migrations.RunSQL(CACHE_TABLE_SQL, 'DROP TABLE IF EXISTS "shared_cache";'),
    ]
