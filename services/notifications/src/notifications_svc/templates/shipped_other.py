# ruff: noqa: RUF001  (Cyrillic text is meant: these are translations)
"""The shipped templates in Russian, Polish and Ukrainian (plural forms by CLDR: one, few,
many)."""

from __future__ import annotations

from notifications_svc.templates.shipped_en import _SIGN, Source

_RU_CLASSES = 'plural(classes_left, one="занятие", few="занятия", many="занятий", other="занятия")'
_PL_CLASSES = 'plural(classes_left, one="zajęcia", few="zajęcia", many="zajęć", other="zajęcia")'
_RU_ISSUED = _RU_CLASSES.replace("classes_left", "classes_issued")
_PL_ISSUED = _PL_CLASSES.replace("classes_left", "classes_issued")
_UK_ISSUED = 'plural(classes_issued, one="заняття", few="заняття", many="занять", other="заняття")'
_UK_CLASSES = 'plural(classes_left, one="заняття", few="заняття", many="занять", other="заняття")'

RU: dict[str, Source] = {
    "payment_due_soon": Source(
        "Оплата {{ amount }} до {{ due_on }}",
        "Здравствуйте, {{ first_name }}!\n\nНапоминаем: {{ due_on }} нужно оплатить"
        " {{ amount }}.\nЕсли вы уже оплатили, просто не обращайте внимания на это письмо." + _SIGN,
    ),
    "payment_overdue": Source(
        "Оплата {{ amount }} просрочена",
        "Здравствуйте, {{ first_name }}!\n\nОплата {{ amount }} ожидалась {{ due_on }}, но пока"
        " не поступила. Пожалуйста, оплатите, как только сможете." + _SIGN,
    ),
    "pack_expiring": Source(
        "Абонемент «{{ pack }}» заканчивается {{ ends_on }}",
        "Здравствуйте, {{ first_name }}!\n\nВаш абонемент «{{ pack }}» действует до {{ ends_on }}."
        "{% if classes_left %} Осталось {{ classes_left }} {{ " + _RU_CLASSES + " }}.{% endif %}"
        "\nСвяжитесь с нами, чтобы продлить его." + _SIGN,
    ),
    "pack_running_low": Source(
        "В абонементе «{{ pack }}» осталось {{ classes_left }} {{ " + _RU_CLASSES + " }}",
        "Здравствуйте, {{ first_name }}!\n\nВ вашем абонементе «{{ pack }}» осталось"
        " {{ classes_left }} {{ "
        + _RU_CLASSES
        + " }}. Свяжитесь с нами, чтобы продлить его."
        + _SIGN,
    ),
    "email_confirmation": Source(
        "Подтвердите адрес электронной почты",
        "Здравствуйте, {{ first_name }}!\n\nПодтвердите этот адрес, чтобы {{ school }} могла"
        " писать вам:\n\n{{ link }}\n\nСсылка действует до {{ expires_at }}." + _SIGN,
    ),
    "staff_invitation": Source(
        "Приглашение в {{ school }}",
        "Здравствуйте, {{ first_name }}!\n\nВас пригласили в {{ school }} ({{ role }})."
        " Задайте пароль по ссылке:\n\n{{ link }}\n\nСсылка действует до {{ expires_at }}." + _SIGN,
    ),
    "password_reset": Source(
        "Сброс пароля",
        "Здравствуйте, {{ first_name }}!\n\nКто-то попросил сбросить ваш пароль. Если это были"
        " вы, задайте новый по ссылке:\n\n{{ link }}\n\nСсылка действует до {{ expires_at }}."
        " Если это были не вы, ничего не делайте." + _SIGN,
    ),
    "portal_code": Source(
        "Ваш код для {{ school }}",
        "Здравствуйте!\n\nВаш код для личного кабинета {{ school }}: {{ code }}.\nОн действует"
        " до {{ expires_at }}. Если вы его не запрашивали, просто не обращайте внимания." + _SIGN,
    ),
    "makeup_expiring": Source(
        "Отработка занятия доступна до {{ makeup_until }}",
        "Здравствуйте, {{ first_name }}!\n\nВы пропустили занятие {{ lesson_date }} и можете"
        " отработать его до {{ makeup_until }}. Запишитесь в личном кабинете или у нас." + _SIGN,
    ),
    "waitlist_seat_offered": Source(
        "Для вас освободилось место в группе {{ group }}",
        "Здравствуйте, {{ first_name }}!\n\nВ группе {{ group }} освободилось место, и мы держим"
        " его для вас как для следующего в листе ожидания. Ответьте на это письмо или позвоните"
        " нам, чтобы занять его." + _SIGN,
    ),
    "client_welcome": Source(
        "Добро пожаловать в {{ school }}",
        "Здравствуйте, {{ first_name }}!\n\nСпасибо, что подтвердили адрес электронной почты."
        " Теперь {{ school }} будет присылать сюда напоминания, чеки и новости." + _SIGN,
    ),
    "lead_created": Source(
        "Новая заявка: {{ lead_name }}",
        "Здравствуйте, {{ first_name }}!\n\nПоступила новая заявка: {{ lead_name }}."
        "{% if lead_phone %}\nТелефон: {{ lead_phone }}{% endif %}"
        "{% if lead_email %}\nПочта: {{ lead_email }}{% endif %}"
        "{% if lead_source %}\nИсточник: {{ lead_source }}{% endif %}"
        "\n\nПожалуйста, свяжитесь с клиентом в ближайшее время." + _SIGN,
    ),
    "comment_visible": Source(
        "Сообщение от {{ school }}",
        "Здравствуйте, {{ first_name }}!\n\nПреподаватель оставил для вас комментарий:"
        "\n\n{{ comment }}" + _SIGN,
    ),
    "subscription_renewed": Source(
        "Абонемент «{{ pack }}» продлён",
        "Здравствуйте, {{ first_name }}!\n\nВаш абонемент «{{ pack }}» продлён на новый период:"
        " с {{ period_starts_on }} по {{ period_ends_on }}."
        "{% if classes_issued %} В нём {{ classes_issued }} {{ " + _RU_ISSUED + " }}.{% endif %}"
        "\nСчёт на {{ amount }}{% if due_on %}, оплатить до {{ due_on }}{% endif %}." + _SIGN,
    ),
}

PL: dict[str, Source] = {
    "payment_due_soon": Source(
        "Płatność {{ amount }} do {{ due_on }}",
        "Dzień dobry, {{ first_name }}!\n\nPrzypominamy, że {{ due_on }} mija termin płatności"
        " {{ amount }}.\nJeśli płatność została już wykonana, prosimy zignorować tę wiadomość."
        + _SIGN,
    ),
    "payment_overdue": Source(
        "Płatność {{ amount }} jest zaległa",
        "Dzień dobry, {{ first_name }}!\n\nTermin płatności {{ amount }} minął {{ due_on }},"
        " a nie otrzymaliśmy jeszcze wpłaty. Prosimy o uregulowanie należności." + _SIGN,
    ),
    "pack_expiring": Source(
        "Karnet {{ pack }} kończy się {{ ends_on }}",
        "Dzień dobry, {{ first_name }}!\n\nTwój karnet {{ pack }} jest ważny do {{ ends_on }}."
        "{% if classes_left %} Zostało {{ classes_left }} {{ " + _PL_CLASSES + " }}.{% endif %}"
        "\nSkontaktuj się z nami, aby go przedłużyć." + _SIGN,
    ),
    "pack_running_low": Source(
        "W karnecie {{ pack }} zostało {{ classes_left }} {{ " + _PL_CLASSES + " }}",
        "Dzień dobry, {{ first_name }}!\n\nW Twoim karnecie {{ pack }} zostało {{ classes_left }}"
        " {{ " + _PL_CLASSES + " }}. Skontaktuj się z nami, aby go przedłużyć." + _SIGN,
    ),
    "email_confirmation": Source(
        "Potwierdź adres e-mail",
        "Dzień dobry, {{ first_name }}!\n\nPotwierdź ten adres, aby {{ school }} mogła do Ciebie"
        " pisać:\n\n{{ link }}\n\nLink jest ważny do {{ expires_at }}." + _SIGN,
    ),
    "staff_invitation": Source(
        "Zaproszenie do {{ school }}",
        "Dzień dobry, {{ first_name }}!\n\nZaproszono Cię do {{ school }} ({{ role }})."
        " Ustaw hasło tutaj:\n\n{{ link }}\n\nLink jest ważny do {{ expires_at }}." + _SIGN,
    ),
    "password_reset": Source(
        "Reset hasła",
        "Dzień dobry, {{ first_name }}!\n\nOtrzymaliśmy prośbę o zresetowanie hasła. Jeśli to"
        " Ty, ustaw nowe tutaj:\n\n{{ link }}\n\nLink jest ważny do {{ expires_at }}."
        " Jeśli to nie Ty, zignoruj tę wiadomość." + _SIGN,
    ),
    "portal_code": Source(
        "Twój kod do {{ school }}",
        "Dzień dobry!\n\nTwój kod do portalu klienta {{ school }}: {{ code }}.\nJest ważny do"
        " {{ expires_at }}. Jeśli nie prosiłeś o niego, zignoruj tę wiadomość." + _SIGN,
    ),
    "makeup_expiring": Source(
        "Odrabianie zajęć możliwe do {{ makeup_until }}",
        "Dzień dobry, {{ first_name }}!\n\nNieobecność na zajęciach {{ lesson_date }} możesz"
        " odrobić do {{ makeup_until }}. Zapisz się w portalu klienta lub u nas." + _SIGN,
    ),
    "waitlist_seat_offered": Source(
        "Zwolniło się miejsce w grupie {{ group }}",
        "Dzień dobry, {{ first_name }}!\n\nW grupie {{ group }} zwolniło się miejsce i czeka ono"
        " na Ciebie jako następną osobę z listy oczekujących. Odpowiedz na tę wiadomość lub"
        " zadzwoń do nas, aby je zająć." + _SIGN,
    ),
    "client_welcome": Source(
        "Witamy w {{ school }}",
        "Dzień dobry, {{ first_name }}!\n\nDziękujemy za potwierdzenie adresu e-mail. Od teraz"
        " {{ school }} będzie wysyłać tu przypomnienia, potwierdzenia płatności i nowości." + _SIGN,
    ),
    "lead_created": Source(
        "Nowy lead: {{ lead_name }}",
        "Dzień dobry, {{ first_name }}!\n\nWpłynęło nowe zgłoszenie: {{ lead_name }}."
        "{% if lead_phone %}\nTelefon: {{ lead_phone }}{% endif %}"
        "{% if lead_email %}\nE-mail: {{ lead_email }}{% endif %}"
        "{% if lead_source %}\nŹródło: {{ lead_source }}{% endif %}"
        "\n\nProsimy o szybki kontakt." + _SIGN,
    ),
    "comment_visible": Source(
        "Wiadomość od {{ school }}",
        "Dzień dobry, {{ first_name }}!\n\nNauczyciel zostawił dla Ciebie komentarz:"
        "\n\n{{ comment }}" + _SIGN,
    ),
    "subscription_renewed": Source(
        "Karnet {{ pack }} został przedłużony",
        "Dzień dobry, {{ first_name }}!\n\nTwój karnet {{ pack }} rozpoczął nowy okres:"
        " od {{ period_starts_on }} do {{ period_ends_on }}."
        "{% if classes_issued %} Obejmuje {{ classes_issued }} {{ " + _PL_ISSUED + " }}.{% endif %}"
        "\nFaktura na {{ amount }}{% if due_on %}, płatna do {{ due_on }}{% endif %}." + _SIGN,
    ),
}

UK: dict[str, Source] = {
    "payment_due_soon": Source(
        "Оплата {{ amount }} до {{ due_on }}",
        "Вітаємо, {{ first_name }}!\n\nНагадуємо: {{ due_on }} потрібно сплатити {{ amount }}."
        "\nЯкщо ви вже сплатили, просто не зважайте на цей лист." + _SIGN,
    ),
    "payment_overdue": Source(
        "Оплата {{ amount }} прострочена",
        "Вітаємо, {{ first_name }}!\n\nОплата {{ amount }} очікувалася {{ due_on }}, але ще не"
        " надійшла. Будь ласка, сплатіть, щойно зможете." + _SIGN,
    ),
    "pack_expiring": Source(
        "Абонемент «{{ pack }}» закінчується {{ ends_on }}",
        "Вітаємо, {{ first_name }}!\n\nВаш абонемент «{{ pack }}» діє до {{ ends_on }}."
        "{% if classes_left %} Залишилося {{ classes_left }} {{ " + _UK_CLASSES + " }}."
        "{% endif %}\nЗв'яжіться з нами, щоб продовжити його." + _SIGN,
    ),
    "pack_running_low": Source(
        "В абонементі «{{ pack }}» залишилося {{ classes_left }} {{ " + _UK_CLASSES + " }}",
        "Вітаємо, {{ first_name }}!\n\nУ вашому абонементі «{{ pack }}» залишилося"
        " {{ classes_left }} {{ "
        + _UK_CLASSES
        + " }}. Зв'яжіться з нами, щоб продовжити його."
        + _SIGN,
    ),
    "email_confirmation": Source(
        "Підтвердьте адресу електронної пошти",
        "Вітаємо, {{ first_name }}!\n\nПідтвердьте цю адресу, щоб {{ school }} могла писати"
        " вам:\n\n{{ link }}\n\nПосилання дійсне до {{ expires_at }}." + _SIGN,
    ),
    "staff_invitation": Source(
        "Запрошення до {{ school }}",
        "Вітаємо, {{ first_name }}!\n\nВас запросили до {{ school }} ({{ role }})."
        " Встановіть пароль за посиланням:\n\n{{ link }}\n\nПосилання дійсне до {{ expires_at }}."
        + _SIGN,
    ),
    "password_reset": Source(
        "Скидання пароля",
        "Вітаємо, {{ first_name }}!\n\nХтось попросив скинути ваш пароль. Якщо це були ви,"
        " встановіть новий за посиланням:\n\n{{ link }}\n\nПосилання дійсне до {{ expires_at }}."
        " Якщо це були не ви, нічого не робіть." + _SIGN,
    ),
    "portal_code": Source(
        "Ваш код для {{ school }}",
        "Вітаємо!\n\nВаш код для особистого кабінету {{ school }}: {{ code }}.\nВін дійсний"
        " до {{ expires_at }}. Якщо ви його не запитували, просто не зважайте." + _SIGN,
    ),
    "makeup_expiring": Source(
        "Відпрацювання заняття доступне до {{ makeup_until }}",
        "Вітаємо, {{ first_name }}!\n\nВи пропустили заняття {{ lesson_date }} і можете"
        " відпрацювати його до {{ makeup_until }}. Запишіться в особистому кабінеті або в нас."
        + _SIGN,
    ),
    "waitlist_seat_offered": Source(
        "Для вас звільнилося місце в групі {{ group }}",
        "Вітаємо, {{ first_name }}!\n\nУ групі {{ group }} звільнилося місце, і ми тримаємо його"
        " для вас як для наступного в листі очікування. Дайте відповідь на цей лист або"
        " зателефонуйте нам, щоб зайняти його." + _SIGN,
    ),
    "client_welcome": Source(
        "Ласкаво просимо до {{ school }}",
        "Вітаємо, {{ first_name }}!\n\nДякуємо, що підтвердили адресу електронної пошти."
        " Відтепер {{ school }} надсилатиме сюди нагадування, чеки та новини." + _SIGN,
    ),
    "lead_created": Source(
        "Нова заявка: {{ lead_name }}",
        "Вітаємо, {{ first_name }}!\n\nНадійшла нова заявка: {{ lead_name }}."
        "{% if lead_phone %}\nТелефон: {{ lead_phone }}{% endif %}"
        "{% if lead_email %}\nПошта: {{ lead_email }}{% endif %}"
        "{% if lead_source %}\nДжерело: {{ lead_source }}{% endif %}"
        "\n\nБудь ласка, зв'яжіться з клієнтом найближчим часом." + _SIGN,
    ),
    "comment_visible": Source(
        "Повідомлення від {{ school }}",
        "Вітаємо, {{ first_name }}!\n\nВикладач залишив для вас коментар:\n\n{{ comment }}" + _SIGN,
    ),
    "subscription_renewed": Source(
        "Абонемент «{{ pack }}» продовжено",
        "Вітаємо, {{ first_name }}!\n\nВаш абонемент «{{ pack }}» продовжено на новий період:"
        " з {{ period_starts_on }} по {{ period_ends_on }}."
        "{% if classes_issued %} У ньому {{ classes_issued }} {{ " + _UK_ISSUED + " }}.{% endif %}"
        "\nРахунок на {{ amount }}{% if due_on %}, сплатити до {{ due_on }}{% endif %}." + _SIGN,
    ),
}
