"""aftersales policy calendar-status [--pack FILE] | holidays YEAR [--pack FILE].

`calendar-status` says how far the holiday data reaches and how many days are left;
`holidays YEAR` lists the year's days off on weekdays and its weekend working days, each
with where it comes from, to compare with the State Council's notice. Both load the pack
strictly, so `--pack` checks an edited pack before it is deployed.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from aftersales.common import clock
from aftersales.policy.checks import NOT_NEEDED, RAN_OUT, RUNNING_OUT, calendar_coverage
from aftersales.policy.holidays import LIBRARY, NOTICE, statutory_days_off
from aftersales.policy.pack import PolicyError, PolicyPack, current_pack, load_pack

BASIS = {
    NOTICE: "notice in the policy pack",
    LIBRARY: "chinesecalendar",
    "statutory": "PROVISIONAL: statutory holidays only, no make-up working days known",
}


class Command(BaseCommand):
    help = "Show how far the holiday data of the policy pack reaches, or one year's holidays."
    # Works when the holiday-data check fails: it is how an operator looks into that failure.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("calendar-status", help="last day of holiday data and days left")
        status.add_argument("--pack", help="a policy pack file to check instead of the configured one")
        holidays = sub.add_parser("holidays", help="a year's days off and make-up working days")
        holidays.add_argument("year", type=int)
        holidays.add_argument("--pack", help="a policy pack file to check instead of the configured one")

    def handle(self, *args: object, action: str, **options: object) -> None:
        try:
            pack = load_pack(str(options["pack"])) if options.get("pack") else current_pack()
        except (PolicyError, OSError, ValueError) as exc:
            raise CommandError(f"policy pack: {exc}") from exc
        if action == "calendar-status":
            self._status(pack)
        else:
            self._holidays(pack, int(str(options["year"])))

    def _status(self, pack: PolicyPack) -> None:
        coverage = calendar_coverage(pack=pack, today=clock.localdate(clock.now()))
        library = coverage.library_years
        notices = ", ".join(str(y) for y in coverage.notice_years) or "none"
        self.stdout.write(
            f"holiday data: chinesecalendar {library.start}-{library.stop - 1}; notices {notices}"
        )
        self.stdout.write(f"covered until: {coverage.covered_until}")
        self.stdout.write(f"today: {coverage.today}; days left: {coverage.days_left}")
        self.stdout.write(f"warns: {coverage.warn_days} days before the end")
        if coverage.state == NOT_NEEDED:
            self.stdout.write("status: ok (no calendar follows China's working days)")
            return
        self.stdout.write(f"calendars on China's working days: {', '.join(coverage.calendars)}")
        if coverage.state == RAN_OUT:
            self.stdout.write(self.style.ERROR("status: ran out; deadlines past it are provisional"))
        elif coverage.state == RUNNING_OUT:
            self.stdout.write(self.style.WARNING(f"status: running out; add the {coverage.next_year} notice"))
        else:
            self.stdout.write("status: ok")

    def _holidays(self, pack: PolicyPack, year: int) -> None:
        if not 2000 <= year <= 2099:
            raise CommandError("year: 2000 to 2099")
        workdays = pack.workdays
        notice = next((n for n in workdays.notices if n.year == year), None)
        if notice is not None:
            self.stdout.write(f"{year}: {BASIS[NOTICE]}: {notice.source} (published {notice.published})")
        else:
            basis = workdays.ruling(date(year, 6, 30)).basis
            self.stdout.write(f"{year}: {BASIS[basis]}")
        # The New Year holiday may start in the last days of the December before.
        day, last = date(year - 1, 12, 25), date(year, 12, 31)
        while day <= last:
            ruling = workdays.ruling(day)
            weekend = day.weekday() >= 5
            if ruling.workday == weekend:
                kind = "make-up working day" if ruling.workday else "day off"
                self.stdout.write(f"  {day} {day:%a} {kind} {ruling.name}".rstrip())
            day += timedelta(days=1)
        if notice is not None:
            missing = sorted(set(statutory_days_off(year)) - notice.days_off)
            for day in missing:
                self.stdout.write(
                    self.style.WARNING(
                        f"  {day} ({statutory_days_off(year)[day]}) is a statutory holiday "
                        "but not a day off in the notice: check the transcription"
                    )
                )
