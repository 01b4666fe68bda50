"""The iCal feed of the change calendar (``/feeds/changes/<token>.ics``): no session, the signed token is the key."""

from django.urls import path

from vigie.changes.views import calendar

app_name = "change_feed"

urlpatterns = [path("<str:feed_token>.ics", calendar.ical_feed, name="ical")]
