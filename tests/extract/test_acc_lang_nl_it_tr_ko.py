"""Dutch, Italian, Turkish and Korean (data/lang/nl|it|tr|ko.toml): the general words of the field name a
procedure, the usual section headings of the language open their fields, and a page about a condition or
an overview of services stays unsupported. Hand-written pages, with and without a declared language."""

from __future__ import annotations

import pytest

from ingest.extract.classify import classify_and_extract
from ingest.extract.lang import detect_language, lang_data, languages
from ingest.parse.html import parse_html


def run(html: str):
    return classify_and_extract(parse_html(html))


def doc(body: str, lang: str | None) -> str:
    attr = f" lang={lang!r}" if lang else ""
    return f"<html{attr}><head></head><body><main>{body}</main></body></html>"


def page(title: str, summary: str, sections: list[tuple[str, list[str]]]) -> str:
    parts = [f"<h1>{title}</h1><p>{summary}</p>"]
    for heading, items in sections:
        parts.append(f"<h2>{heading}</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    return "".join(parts)


DUTCH = page(
    "Wortelkanaalbehandeling",
    "Bij een ontstoken zenuw reinigt de tandarts de kanalen van de kies en sluit ze daarna af.",
    [("Wanneer is een behandeling nodig?", ["Bij aanhoudende kiespijn.", "Bij een ontsteking onder de kies."]),
     ("Voorbereiding", ["Er wordt eerst een röntgenfoto gemaakt.", "U hoeft niet nuchter te zijn."]),
     ("Hoe werkt het?", ["De kies wordt plaatselijk verdoofd.", "De kanalen worden gereinigd en gevuld."]),
     ("Na de behandeling", ["De kies kan enkele dagen gevoelig zijn.", "Kauw de eerste uren niet op die kant."]),
     ("Risico's", ["Een kanaal kan opnieuw ontstoken raken.", "Soms breekt een vijltje af."])])

ITALIAN = page(
    "Devitalizzazione del dente",
    "La terapia canalare libera il dente dalla polpa infiammata e ne sigilla le radici.",
    [("Quando è necessario", ["Dolore forte e persistente al dente.", "Ascesso alla radice."]),
     ("Come si svolge", ["Si esegue l'anestesia locale del dente.", "I canali vengono puliti e chiusi."]),
     ("Dopo il trattamento", ["Il dente può restare sensibile per qualche giorno.", "Evitare cibi duri per un giorno."]),
     ("Complicanze", ["Nuova infezione della radice.", "Frattura del dente indebolito."])])

TURKISH = page(
    "Kanal Tedavisi",
    "Kanal tedavisi, dişin içindeki iltihaplı dokunun temizlenip kanalların doldurulduğu bir tedavi yöntemidir.",
    [("Kanal Tedavisi Ne Zaman Gereklidir?", ["Dişte uzun süren zonklama.", "Kök ucunda apse."]),
     ("Tedavi Süreci", ["Diş lokal anestezi ile uyuşturulur.", "Kanallar temizlenir ve doldurulur."]),
     ("Tedavi Sonrası", ["İlk iki saat yemek yenmemelidir.", "Birkaç gün hassasiyet olabilir."]),
     ("Avantajları", ["Doğal diş korunur.", "Çekime gerek kalmaz."])])

KOREAN = page(
    "위내시경",
    "위내시경은 가는 관을 입으로 넣어 식도와 위의 점막을 직접 살펴보는 검사입니다.",
    [("위내시경 검사가 필요한 경우", ["속쓰림이 오래 계속될 때", "40세 이상 정기 검진"]),
     ("검사 준비", ["전날 저녁 9시 이후 금식합니다.", "복용 중인 약을 미리 알려 주세요."]),
     ("검사 방법", ["목에 마취 스프레이를 뿌립니다.", "내시경을 입으로 넣어 관찰합니다."]),
     ("검사 후 주의사항", ["1시간 동안 음식을 드시지 마세요.", "수면 검사 후에는 운전하지 마세요."])])

CASES = [("nl", DUTCH, {"indications", "preparation", "procedure_steps", "recovery", "risks"}),
         ("it", ITALIAN, {"indications", "procedure_steps", "recovery", "risks"}),
         ("tr", TURKISH, {"indications", "procedure_steps", "recovery", "benefits"}),
         ("ko", KOREAN, {"indications", "preparation", "procedure_steps", "recovery"})]


@pytest.mark.parametrize("code", ["nl", "it", "tr", "ko"])
def test_the_language_has_a_data_file(code):
    assert code in languages()
    assert lang_data(code).code == code


@pytest.mark.parametrize(("code", "body", "fields"), CASES)
@pytest.mark.parametrize("declared", [True, False])
def test_a_procedure_page_is_recognised_with_its_sections(code, body, fields, declared):
    verdict = run(doc(body, code if declared else None))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields["language"] == code
    found = {f for f in fields if verdict.fields.get(f)}
    assert found == fields, (found, verdict.fields)


@pytest.mark.parametrize(("code", "text"), [
    ("nl", "De tandarts verwijdert het ontstoken weefsel en vult daarna de kanalen van de kies met een blijvende vulling."),
    ("it", "Il dentista rimuove la polpa infiammata e sigilla i canali della radice con un materiale che non si altera."),
    ("tr", "Diş hekimi iltihaplı dokuyu temizler ve kanalları kalıcı bir dolgu ile kapatır, bu işlem genellikle kısa sürer."),
])
def test_the_language_of_undeclared_text_is_found_by_its_function_words(code, text):
    assert detect_language(text) == code


NOT_PROCEDURES = [
    # Condition pages: symptoms, causes, prevention.
    ("nl", page("Tandvleesontsteking", "Een ontsteking van het tandvlees komt vaak voor bij volwassenen.",
                [("Symptomen", ["Bloedend tandvlees.", "Rode zwelling."]), ("Oorzaken", ["Tandplak.", "Roken."]),
                 ("Preventie", ["Twee keer per dag poetsen.", "Flossen."])])),
    ("it", page("Gengivite", "L'infiammazione delle gengive è molto diffusa negli adulti.",
                [("Sintomi", ["Gengive che sanguinano.", "Gonfiore."]), ("Cause", ["Placca batterica.", "Fumo."]),
                 ("Prevenzione", ["Lavare i denti due volte al giorno.", "Usare il filo."])])),
    ("tr", page("Diş Eti Hastalığı", "Diş eti iltihabı yetişkinlerde sık görülür.",
                [("Belirtileri", ["Kanayan diş eti.", "Kızarıklık."]), ("Nedenleri", ["Diş plağı.", "Sigara."]),
                 ("Korunma Yolları", ["Günde iki kez fırçalamak.", "Diş ipi kullanmak."])])),
    ("ko", page("잇몸 질환", "잇몸 질환은 성인에게 흔한 질환입니다.",
                [("증상", ["잇몸 출혈", "붓기"]), ("원인", ["치태", "흡연"]), ("예방", ["하루 두 번 양치", "치실 사용"])])),
    # Overviews of a practice's services.
    ("nl", "<h1>Onze behandelingen</h1><p>Wij bieden een breed aanbod aan zorg voor het hele gezin.</p>"
           "<h3>Implantaten</h3><p>Lees meer</p><h3>Kronen</h3><p>Lees meer</p><h3>Wortelkanaalbehandeling</h3><p>Lees meer</p>"),
    ("it", "<h1>I nostri servizi</h1><p>Offriamo una vasta gamma di cure per tutta la famiglia.</p>"
           "<h3>Implantologia</h3><p>Scopri di più</p><h3>Ortodonzia</h3><p>Scopri di più</p><h3>Sbiancamento</h3><p>Scopri di più</p>"),
    ("tr", "<h1>Hizmetlerimiz</h1><p>Tüm aile için geniş yelpazede hizmet sunuyoruz.</p>"
           "<h3>Zirkonyum Kron</h3><p>Devamını oku</p><h3>Diş Beyazlatma</h3><p>Devamını oku</p><h3>Ortodonti</h3><p>Devamını oku</p>"),
    # A news post and a shop page in the language.
    ("nl", "<h1>Nieuwe openingstijden</h1><p>Vanaf maandag is de praktijk langer open voor u.</p><h2>Contact</h2><p>Bel ons.</p>"),
    ("it", "<h1>Offerte di primavera</h1><p>Scarpe e borse con lo sconto del venti per cento in tutti i negozi.</p>"
           "<h2>Spedizione</h2><p>Gratuita sopra i 50 euro.</p>"),
    ("tr", "<h1>Belediye yeni parkı açtı</h1><p>Şehrin en büyük parkı bu hafta sonu halka açıldı ve çok ilgi gördü.</p>"),
]


@pytest.mark.parametrize(("code", "body"), NOT_PROCEDURES)
def test_a_condition_page_an_overview_or_a_news_post_is_not_a_procedure(code, body):
    verdict = run(doc(body, code))
    assert verdict.page_type == "unsupported", verdict.evidence


@pytest.mark.parametrize(("code", "body", "expected"), [
    # Dutch: the noun of a treatment's length; Korean: the amount before the verb.
    ("nl", "<h1>Wortelkanaalbehandeling</h1><p>De tandarts reinigt de kanalen van een ontstoken kies.</p>"
           "<h2>Hoe werkt het?</h2><ul><li>De kies wordt verdoofd.</li><li>De kanalen worden gevuld.</li></ul>"
           "<p>De gemiddelde behandeltijd is ongeveer een uur.</p>",
     "De gemiddelde behandeltijd is ongeveer een uur."),
    ("ko", "<h1>대장내시경</h1><p>대장내시경은 대장 점막을 직접 살펴보는 검사입니다.</p>"
           "<h2>검사 방법</h2><ul><li>장을 깨끗이 비웁니다.</li><li>내시경을 넣어 관찰합니다.</li></ul>"
           "<p>검사는 보통 20분 정도 소요됩니다.</p>",
     "검사는 보통 20분 정도 소요됩니다."),
])
def test_the_duration_is_read_from_one_sentence_of_the_language(code, body, expected):
    verdict = run(doc(body, code))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields.get("duration") == expected


@pytest.mark.parametrize(("code", "heading"), [
    ("nl", "Wat is een wortelkanaalbehandeling?"), ("it", "Che cos'è la devitalizzazione?"), ("tr", "Kanal Tedavisi Nedir?")])
def test_a_what_is_heading_names_the_summary(code, heading):
    from ingest.extract.vocabulary import vocabulary
    assert vocabulary(code).match(heading) == "summary"


@pytest.mark.parametrize(("code", "title", "summary", "before", "after"), [
    # "voor"/"na" and "önce"/"sonra" say before and after: they are not dropped as function words.
    ("nl", "Wortelkanaalbehandeling", "De tandarts reinigt en vult de kanalen van een ontstoken kies.",
     "Voor de behandeling van uw kies", "Na de behandeling van uw kies"),
    ("tr", "Gastroskopi", "Gastroskopi, midenin içinin ince bir tüple incelendiği bir muayene yöntemidir.",
     "Tedaviden Önce", "Tedaviden Sonra"),
])
def test_before_and_after_headings_open_preparation_and_recovery(code, title, summary, before, after):
    body = page(title, summary, [(before, ["Eén.", "Twee."] if code == "nl" else ["Bir.", "İki."]),
                                 (after, ["Drie.", "Vier."] if code == "nl" else ["Üç.", "Dört."])])
    verdict = run(doc(body, code))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields.get("preparation") and verdict.fields.get("recovery"), verdict.fields


@pytest.mark.parametrize(("text", "code"), [
    # German menus abbreviate "und" as "u."; Dutch stop words must not claim them.
    ("Stimm- u. Sprachstörungen, Schnarch- u. Schlafmedizin und Allergologie bei Kindern u. Erwachsenen", "de"),
    ("Wenn er die Behandlung beginnt, wird der Arzt die Mandeln entfernen und die Wunde versorgen.", "de"),
    # French "il", Spanish "de": shared words do not outweigh the language's own.
    ("Il est conseillé de rester à jeun avant l'examen et de prévenir le médecin de vos traitements.", "fr"),
    ("El tratamiento de conducto se realiza con anestesia local y dura una hora en la clínica.", "es"),
])
def test_the_new_stop_words_do_not_claim_other_languages(text, code):
    assert detect_language(text) == code
