from django.core.management.base import BaseCommand

from fleetops.roles import roles_setup


class Command(BaseCommand):
    help = "Create the Triage staff, Managers and Clerks groups with exactly their permissions."

    def handle(self, *args, **options):
        for role, count in roles_setup().items():
            self.stdout.write(f"{role}: {count} permissions")
