from django.contrib import admin
from django.urls import path

from config.health import healthz

admin.site.site_header = "Публикация квитанций в DOMA.AI"
admin.site.site_title = "Публикация квитанций"
admin.site.index_title = "Рабочий стол"
# The desk has no public site: Django's «Открыть сайт» link would lead to a 404.
admin.site.site_url = None
# The app list is on the index and in the breadcrumbs; the sidebar would take 300 px of a 1366 px screen
# from the lists (every page must fit without scrolling sideways).
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
