#!/usr/bin/env python3
"""Synthetic procedure pages for benchmarks.

    python benchmarks/synth.py --pages 20000 --out /tmp/synth --seed 1

Writes N HTML pages of 30-60 KB each (median about 40 KB) under OUT/<site>/, one of three site
styles per page (a CPT reference site, a hospital patient-education site, a clinic blog), each
with realistic chrome: cookie banner, a 60-link nav, a mega-menu, sidebar, footer, a few KB of
inline CSS and JS, sometimes JSON-LD, and a 20-row table. <main> (or the blog's post body) holds
the 13 procedure sections under varied headings, with lists of 3-8 items.

Duplicates are planted on purpose: about 5% of pages are re-dated copies of an earlier page (same
URL, later date, one list item changed) and about 2% are exact copies served under another URL
(same content, tracking parameter in og:url and a different file). Codes come from a CPT-like
pool, so many unrelated pages also share a code. A manifest (one JSON object per page: path,
code, url, style, kind, copy_of) is written next to OUT as OUT.manifest.jsonl - outside OUT so
that a pipeline reading OUT sees only pages.

Everything is derived from (seed, page index): generate_page(i, seed) returns the same bytes on
every run and platform. Plain string templates only (no HTML library), so 20,000 pages take a
few seconds plus disk time.

Importable:
    from synth import generate_page, write_corpus
    data = generate_page(17, seed=1)          # bytes
    stats = write_corpus("/tmp/synth", 2000, seed=1)
"""
from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import statistics
import sys
import time
from functools import lru_cache

KB = 1024
MIN_SIZE, MODE_SIZE, MAX_SIZE = 30 * KB, 36 * KB, 60 * KB
P_REDATED, P_EXACT = 0.05, 0.02
STYLES = ("codes", "health", "clinic")
SITE_DIR = {"codes": "codes-example", "health": "health-example", "clinic": "clinic-example"}

# --------------------------------------------------------------------------- procedure pool
# (base code, lay name, plain-language descriptor, body part, specialist, anesthesia, minutes)
BASE = [
    ("29881", "Knee arthroscopy with meniscectomy", "Arthroscopic knee surgery with partial removal of the medial or lateral meniscus", "knee", "orthopedic surgeon", "general or spinal anesthesia", (30, 60)),
    ("29827", "Arthroscopic rotator cuff repair", "Arthroscopic shoulder surgery to reattach a torn rotator cuff tendon", "shoulder", "orthopedic surgeon", "general anesthesia with a nerve block", (90, 120)),
    ("27447", "Total knee replacement", "Replacement of the knee joint surfaces with a prosthesis", "knee", "orthopedic surgeon", "spinal or general anesthesia", (60, 120)),
    ("27130", "Total hip replacement", "Replacement of the hip joint with a prosthetic ball and socket", "hip", "orthopedic surgeon", "spinal or general anesthesia", (60, 120)),
    ("64721", "Carpal tunnel release", "Open release of the median nerve at the carpal tunnel", "wrist", "hand surgeon", "local anesthesia with or without sedation", (15, 30)),
    ("26055", "Trigger finger release", "Incision of a finger tendon sheath to free a triggering tendon", "finger", "hand surgeon", "local anesthesia", (10, 20)),
    ("25111", "Ganglion cyst excision", "Removal of a ganglion cyst of the wrist with its stalk", "wrist", "hand surgeon", "regional or general anesthesia", (30, 45)),
    ("64635", "Lumbar facet radiofrequency ablation", "Heat destruction of the nerves to one lumbar facet joint with imaging guidance", "lower back", "interventional pain physician", "local anesthesia with light sedation", (30, 45)),
    ("64624", "Genicular nerve ablation", "Destruction of the genicular nerve branches of the knee with imaging guidance", "knee", "interventional pain physician", "local anesthesia with light sedation", (30, 60)),
    ("62323", "Lumbar epidural steroid injection", "Injection of steroid into the lumbar epidural space with imaging guidance", "lower back", "pain medicine physician", "local anesthesia", (15, 30)),
    ("64483", "Transforaminal epidural injection", "Injection of steroid beside a lumbar nerve root with imaging guidance", "lower back", "pain medicine physician", "local anesthesia", (15, 30)),
    ("64493", "Lumbar facet joint injection", "Injection into a lumbar facet joint with imaging guidance", "lower back", "pain medicine physician", "local anesthesia", (15, 30)),
    ("20610", "Knee joint injection", "Aspiration or injection of a major joint without ultrasound guidance", "knee", "sports medicine physician", "local anesthesia or cold spray", (10, 15)),
    ("45378", "Colonoscopy", "Flexible endoscopic examination of the colon for diagnosis", "colon", "gastroenterologist", "moderate or deep sedation", (20, 45)),
    ("45385", "Colonoscopy with polyp removal", "Colonoscopy with removal of polyps by snare", "colon", "gastroenterologist", "moderate or deep sedation", (30, 60)),
    ("43239", "Upper endoscopy with biopsy", "Endoscopic examination of the esophagus, stomach and duodenum with biopsy", "stomach", "gastroenterologist", "moderate or deep sedation", (10, 20)),
    ("47562", "Laparoscopic gallbladder removal", "Laparoscopic removal of the gallbladder", "abdomen", "general surgeon", "general anesthesia", (60, 90)),
    ("49505", "Inguinal hernia repair", "Open repair of an inguinal hernia in an adult", "groin", "general surgeon", "general or spinal anesthesia", (45, 90)),
    ("44970", "Laparoscopic appendectomy", "Laparoscopic removal of the appendix", "abdomen", "general surgeon", "general anesthesia", (30, 60)),
    ("66984", "Cataract surgery", "Removal of a cataract with insertion of an intraocular lens", "eye", "ophthalmologist", "numbing drops with light sedation", (15, 30)),
    ("67028", "Intravitreal injection", "Injection of medication into the vitreous of the eye", "eye", "retina specialist", "numbing drops", (5, 15)),
    ("65855", "Laser trabeculoplasty", "Laser treatment of the eye's drainage angle for glaucoma", "eye", "ophthalmologist", "numbing drops", (10, 15)),
    ("52000", "Cystoscopy", "Diagnostic examination of the urethra and bladder with a scope", "bladder", "urologist", "local anesthetic gel", (5, 15)),
    ("55250", "Vasectomy", "Removal of a segment of each vas deferens for sterilization", "scrotum", "urologist", "local anesthesia", (15, 30)),
    ("52601", "Transurethral resection of the prostate", "Removal of obstructing prostate tissue through the urethra", "prostate", "urologist", "spinal or general anesthesia", (60, 90)),
    ("11102", "Shave skin biopsy", "Tangential biopsy of a single skin lesion", "skin", "dermatologist", "local anesthesia", (5, 15)),
    ("11104", "Punch skin biopsy", "Punch biopsy of a single skin lesion", "skin", "dermatologist", "local anesthesia", (5, 15)),
    ("17311", "Mohs surgery", "Mohs micrographic surgery of the head or neck, first stage", "skin", "Mohs surgeon", "local anesthesia", (60, 240)),
    ("58558", "Hysteroscopy with biopsy", "Hysteroscopic sampling of the uterine lining", "uterus", "gynecologist", "sedation or general anesthesia", (15, 30)),
    ("58661", "Laparoscopic ovarian cyst removal", "Laparoscopic removal of an ovarian cyst or adnexal structures", "pelvis", "gynecologist", "general anesthesia", (45, 90)),
    ("42820", "Tonsillectomy and adenoidectomy", "Removal of the tonsils and adenoids in a child", "throat", "ENT surgeon", "general anesthesia", (30, 45)),
    ("69436", "Ear tube placement", "Insertion of ventilation tubes through the eardrum", "ear", "ENT surgeon", "general anesthesia", (10, 20)),
    ("31231", "Nasal endoscopy", "Diagnostic endoscopic examination of the nasal passages", "nose", "ENT surgeon", "topical anesthesia", (5, 10)),
    ("36475", "Vein ablation", "Radiofrequency ablation of an incompetent leg vein", "leg", "vascular surgeon", "local tumescent anesthesia", (30, 60)),
    ("93458", "Cardiac catheterization", "Left heart catheterization with coronary angiography", "heart", "interventional cardiologist", "local anesthesia with sedation", (30, 60)),
    ("33208", "Pacemaker implantation", "Insertion of a dual-chamber permanent pacemaker", "chest", "electrophysiologist", "local anesthesia with sedation", (60, 90)),
    ("19083", "Breast biopsy", "Needle biopsy of a breast lesion with ultrasound guidance", "breast", "breast radiologist", "local anesthesia", (20, 40)),
    ("32555", "Thoracentesis", "Needle drainage of fluid from the chest cavity with imaging guidance", "chest", "pulmonologist", "local anesthesia", (15, 30)),
    ("49083", "Paracentesis", "Needle drainage of fluid from the abdomen with imaging guidance", "abdomen", "interventional radiologist", "local anesthesia", (15, 30)),
    ("20552", "Trigger point injection", "Injection of one or two muscles with trigger points", "muscle", "pain medicine physician", "none or local anesthesia", (5, 15)),
]
VARIANT_SUFFIX = ["", "; each additional level (list separately in addition to the primary procedure)",
                  "; with imaging guidance", "; bilateral", "; complex", "; revision",
                  "; with removal of foreign body", "; with biopsy"]


@lru_cache(maxsize=None)
def code_pool(seed: int):
    """About 200 CPT-like entries: every base code plus nearby variant codes."""
    rng = random.Random(f"pool:{seed}")
    pool = []
    used = {b[0] for b in BASE}  # variant codes never collide with a base code or each other
    for code, name, desc, part, spec, anes, mins in BASE:
        pool.append((code, name, desc, part, spec, anes, mins))
        for _ in range(rng.randint(2, 6)):
            c = str(int(code) + rng.randint(1, 40)).zfill(5)
            if c in used:
                continue
            used.add(c)
            suf = rng.choice(VARIANT_SUFFIX[1:])
            pool.append((c, name, desc + suf, part, spec, anes, mins))
    # weights: base procedures are popular (repeats), variants rarer
    weights = [5 if e[0] in {b[0] for b in BASE} else 1 for e in pool]
    cum = []
    t = 0
    for wgt in weights:
        t += wgt
        cum.append(t)
    return pool, cum, t


# --------------------------------------------------------------------------- text pools
SUMMARY = [
    "{Name} is a procedure in which a {spec} treats the {part} through {approach}. It is one of the most common procedures of its kind and is usually done on an outpatient basis.",
    "During {name}, a {spec} uses {approach} to reach the {part}. Most patients go home the same day.",
    "{Name} is performed to diagnose or treat problems of the {part}. The {spec} works through {approach}, which limits pain and speeds recovery.",
    "This page explains {name}: why it is done, how to prepare, what happens during the procedure and what recovery looks like. The {spec} performs it through {approach}.",
]
APPROACH = ["a few small incisions", "a thin flexible scope", "a fine needle guided by imaging",
            "a single small incision", "a natural body opening", "a narrow catheter"]
PURPOSE = [
    "The goal is to relieve symptoms in the {part} and restore normal function when simpler treatments have not helped.",
    "It is done to find the cause of symptoms in the {part}, to treat the problem, or both.",
    "The procedure aims to reduce pain, prevent complications and improve quality of life.",
    "Doctors recommend it when symptoms affect daily activities, work or sleep and conservative care has failed.",
]
INDICATIONS = [
    "Pain in the {part} lasting more than three months", "Symptoms that did not improve with medication",
    "Abnormal findings on MRI, CT or ultrasound", "Failure of six to twelve weeks of physical therapy",
    "Bleeding or discharge without a clear cause", "A mass or lesion that needs a tissue diagnosis",
    "Loss of function that limits work or sleep", "Recurrent infections", "Follow-up after earlier treatment",
    "Swelling, locking or instability of the {part}", "Numbness, tingling or weakness",
    "Findings on examination by a {spec}", "Worsening symptoms despite injections",
    "Symptoms that keep returning after treatment", "Results of earlier tests that need confirmation",
]
PREPARATION = [
    "Do not eat or drink for six to eight hours beforehand.", "Bring a list of all your medicines.",
    "Blood thinners may need to be stopped several days in advance.", "Arrange for an adult to drive you home.",
    "Wear loose, comfortable clothing.", "Remove jewelry and leave valuables at home.",
    "Tell your care team about allergies, especially to latex, iodine or anesthetics.",
    "Blood tests or an ECG may be needed before the day of the procedure.",
    "Shower the night before with the soap you were given.", "Stop smoking at least two weeks before surgery.",
    "Diabetes medicines may need a dose change on the day of the procedure.",
    "Follow any instructions about which morning medicines to take.",
]
STEPS = [
    "You change into a gown and a nurse places an IV line.", "You receive {anes}.",
    "The skin over the {part} is cleaned with antiseptic and covered with sterile drapes.",
    "The {spec} makes a small incision or inserts the needle or scope.",
    "Imaging is used to guide the instruments to the right place.",
    "The abnormal tissue is treated, removed or sampled.",
    "Samples are sent to the laboratory for testing.", "The area is rinsed and inspected for bleeding.",
    "The incisions are closed with stitches, glue or strips.", "A bandage or dressing is applied.",
    "You are moved to the recovery area for monitoring.", "Vital signs are checked throughout the procedure.",
]
PERSONNEL = ["{Spec}", "Anesthesiologist or nurse anesthetist", "Registered nurse", "Surgical technologist",
             "Radiology technologist", "Medical assistant", "Physician assistant", "Recovery room nurse"]
RISKS = [
    "Bleeding", "Infection at the incision or needle site", "Pain or bruising", "Reaction to anesthesia or sedation",
    "Blood clots in the legs", "Injury to nearby nerves or blood vessels", "Scarring",
    "Need for a repeat procedure", "Allergic reaction to medication or contrast dye", "Temporary numbness",
    "Damage to surrounding organs (rare)", "Incomplete relief of symptoms", "Stiffness or swelling",
]
BENEFITS = [
    "Relief of pain and other symptoms", "A clear diagnosis to guide treatment", "Short recovery compared with open surgery",
    "Small scars", "Return to normal activities within days to weeks", "Less need for pain medicine",
    "Prevention of future complications", "Improved function of the {part}", "Usually no overnight stay",
]
RECOVERY = [
    "Most people go home the same day.", "Rest for the remainder of the day.",
    "Keep the dressing clean and dry for 48 hours.", "Use ice packs for 20 minutes at a time to reduce swelling.",
    "Take pain medicine as directed.", "Avoid heavy lifting for one to two weeks.",
    "A follow-up visit is scheduled in one to two weeks.", "Call your doctor for fever, spreading redness or heavy bleeding.",
    "Physical therapy may begin within a few days.", "Most people return to work within a week.",
    "Do not drive for 24 hours after sedation.", "Resume your usual diet unless told otherwise.",
]
ALTERNATIVES = [
    "Watchful waiting", "Physical therapy", "Medication", "Steroid injection", "Bracing or splinting",
    "Lifestyle changes", "Open surgery", "A different minimally invasive procedure", "Imaging tests alone",
    "Referral to a specialist center",
]
DURATION = [
    "The procedure usually takes {m1} to {m2} minutes.", "Expect the procedure itself to last about {m1} to {m2} minutes.",
    "It typically takes {m1}\u2013{m2} minutes, plus time to check in and recover.",
]
SETTING = [
    "It is performed in a hospital outpatient department or an ambulatory surgery center.",
    "Most procedures are done in an outpatient clinic or office procedure room.",
    "It is done in a hospital operating room or a same-day surgery center.",
]
EXPERIENCE = [
    "You may feel a quick pinch from the numbing medicine and then only pressure. Soreness afterward is usually mild.",
    "Most patients sleep through the procedure and remember little. Mild discomfort for a few days is common.",
    "You will be awake but relaxed. Many people describe the feeling as pressure rather than pain.",
]
ALT_NOTE = ["Each option has trade-offs; your doctor will help you choose based on your symptoms and health.",
            "The right choice depends on how severe your symptoms are and how well earlier treatments worked."]
STEP_NOTE = ["Equipment used may include a camera system, fine instruments and an imaging unit.",
             "The exact steps vary with the patient's anatomy and the surgeon's technique."]

SECTIONS = ("summary", "purpose", "indications", "preparation", "procedure_steps", "duration", "setting",
            "personnel", "risks", "benefits", "recovery", "alternatives", "patient_experience")
LIST_POOL = {"indications": INDICATIONS, "preparation": PREPARATION, "procedure_steps": STEPS,
             "personnel": PERSONNEL, "risks": RISKS, "benefits": BENEFITS, "recovery": RECOVERY,
             "alternatives": ALTERNATIVES}
HEADINGS = {
    "codes": {"summary": ["Summary"], "purpose": ["Purpose"], "indications": ["Indications"],
              "preparation": ["Preparation"], "procedure_steps": ["Procedure Description"],
              "duration": ["Duration"], "setting": ["Setting"], "personnel": ["Personnel"],
              "risks": ["Risks and Complications"], "benefits": ["Benefits"], "recovery": ["Recovery"],
              "alternatives": ["Alternatives"], "patient_experience": ["Patient Experience"]},
    "health": {"summary": ["Overview", "What is it?"], "purpose": ["Why is it done?", "Why it&rsquo;s done"],
               "indications": ["Who needs it", "Reasons for the procedure"],
               "preparation": ["Before your procedure", "How to prepare"],
               "procedure_steps": ["What happens during the procedure", "How it&rsquo;s done", "Step by step"],
               "duration": ["How long does it take?"], "setting": ["Where is it done?"],
               "personnel": ["Who performs it?", "Your care team"],
               "risks": ["Possible complications", "Risks &amp; side effects"],
               "benefits": ["Benefits", "What are the benefits?"],
               "recovery": ["Aftercare", "After the procedure", "Recovery &amp; aftercare"],
               "alternatives": ["Other options", "Alternatives to surgery"],
               "patient_experience": ["What it feels like", "What to expect"]},
    "clinic": {"summary": ["Overview:"], "purpose": ["Why We Recommend It:", "Why It's Done:"],
               "indications": ["Who Is a Good Candidate:", "Is It Right for You?"],
               "preparation": ["Getting Ready \U0001F4CB:", "Before Your Visit:"],
               "procedure_steps": ["Step by Step:", "How It's Done:"],
               "duration": ["How Long It Takes \u23F1\uFE0F:"], "setting": ["Where We Do It:"],
               "personnel": ["Who You'll See:"], "risks": ["Risks &amp; Complications \u26A0\uFE0F:"],
               "benefits": ["Benefits \u2705:"], "recovery": ["Recovery:"],
               "alternatives": ["Other Options:"], "patient_experience": ["What It Feels Like \U0001F60A:"]},
}

# --------------------------------------------------------------------------- static chrome
NAV_WORDS = ["CPT Codes", "ICD-10-CM", "ICD-10-PCS", "HCPCS", "Modifiers", "DRG", "NDC", "Revenue Codes",
             "Place of Service", "Anesthesia", "Integumentary", "Musculoskeletal", "Respiratory",
             "Cardiovascular", "Hemic &amp; Lymphatic", "Mediastinum", "Digestive", "Urinary",
             "Male Genital", "Female Genital", "Maternity", "Endocrine", "Nervous System", "Eye",
             "Auditory", "Radiology", "Pathology", "Medicine", "E/M Services", "Category II",
             "Category III", "PLA Codes", "Crosswalks", "NCCI Edits", "MUE Limits", "Fee Schedules",
             "RVU Calculator", "Global Periods", "LCD / NCD", "Payer Policies", "Code Changes",
             "Deleted Codes", "Guidelines", "Terminology", "Anatomy", "Webinars", "Blog", "Pricing",
             "API", "Careers", "Press", "Contact", "Support", "Help Center", "Release Notes",
             "Status", "Privacy", "Terms", "Accessibility", "Sitemap"]
assert len(NAV_WORDS) == 60

CSS = """<style>
:root{--brand:#0b5cab;--ink:#1d2733;--muted:#5b6b7c;--line:#e3e8ee;--bg:#f7f9fb}
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.55 Inter,system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif;color:var(--ink);background:#fff}
a{color:var(--brand);text-decoration:none}a:hover{text-decoration:underline}
.site-header{display:flex;flex-wrap:wrap;align-items:center;gap:24px;padding:12px 24px;border-bottom:1px solid var(--line)}
.primary-nav ul{display:flex;flex-wrap:wrap;gap:6px 14px;list-style:none;margin:0;padding:0;font-size:14px}
.mega{position:relative}.mega-panel{display:none;position:absolute;left:0;right:0;top:100%;background:#fff;box-shadow:0 12px 32px rgba(0,0,0,.14);padding:24px;z-index:40}
.mega li:hover>.mega-panel,.mega li:focus-within>.mega-panel{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:16px}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 320px;gap:40px;max-width:1240px;margin:0 auto;padding:24px}
@media (max-width:900px){.layout{grid-template-columns:1fr}.sidebar{order:2}}
main h1{font-size:30px;line-height:1.2;margin:0 0 12px}main h2,main h3{margin-top:32px}
main ul,main ol{padding-left:22px}main li{margin:4px 0}
.cookie-banner{position:fixed;left:0;right:0;bottom:0;background:#111827;color:#f9fafb;padding:16px 24px;display:flex;gap:16px;align-items:center;z-index:100}
.cookie-banner .btn{background:#fff;color:#111827;border-radius:6px;padding:8px 14px;border:0}
.cta-block{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:20px;margin:24px 0}
table.data{width:100%;border-collapse:collapse;font-size:14px}table.data th,table.data td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left}
.site-footer{background:#0f172a;color:#cbd5e1;padding:40px 24px;margin-top:48px}.site-footer a{color:#e2e8f0}
.footer-cols{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:24px}
.share a{display:inline-block;margin-right:10px;font-size:14px}
.badge{display:inline-block;background:#eef5ff;border-radius:4px;padding:2px 8px;font-weight:600}
</style>"""

JS = """<script>
(function(w,d){'use strict';
  w.dataLayer=w.dataLayer||[];function gtag(){w.dataLayer.push(arguments);}
  gtag('js',new Date());gtag('config','G-SYNTH0001',{anonymize_ip:true,send_page_view:true});
  var consentKey='consent.v3';
  function readConsent(){try{return JSON.parse(w.localStorage.getItem(consentKey)||'null');}catch(e){return null;}}
  function writeConsent(v){try{w.localStorage.setItem(consentKey,JSON.stringify({v:v,t:Date.now()}));}catch(e){}}
  d.addEventListener('DOMContentLoaded',function(){
    var banner=d.getElementById('cookie-banner');
    if(banner&&readConsent()){banner.hidden=true;}
    d.querySelectorAll('[data-consent]').forEach(function(b){
      b.addEventListener('click',function(){writeConsent(b.getAttribute('data-consent'));banner.hidden=true;});
    });
    d.querySelectorAll('.mega > ul > li > button').forEach(function(btn){
      btn.addEventListener('click',function(){
        var open=btn.getAttribute('aria-expanded')==='true';
        d.querySelectorAll('.mega [aria-expanded]').forEach(function(o){o.setAttribute('aria-expanded','false');});
        btn.setAttribute('aria-expanded',open?'false':'true');
      });
    });
    d.querySelectorAll('[data-share]').forEach(function(a){
      a.addEventListener('click',function(ev){ev.preventDefault();w.open(a.href,'share','width=600,height=480');});
    });
    var io='IntersectionObserver' in w?new IntersectionObserver(function(es){es.forEach(function(e){
      if(e.isIntersecting){gtag('event','section_view',{id:e.target.id});io.unobserve(e.target);}});},{threshold:.5}):null;
    if(io){d.querySelectorAll('main h2[id], main h3[id]').forEach(function(h){io.observe(h);});}
  });
})(window,document);
</script>"""

FOOTER_LINKS = ["About us", "Our team", "Careers", "Press", "Contact", "Support", "Help center",
                "Privacy policy", "Terms of use", "Cookie settings", "Accessibility", "Sitemap",
                "Partners", "Affiliates", "For hospitals", "For practices", "For payers",
                "Developer docs", "Newsletter", "Events", "Research", "Giving", "Volunteer",
                "Price transparency", "Nondiscrimination notice"]

MEGA = {"Conditions": ["Arthritis", "Back pain", "Cataracts", "Colon cancer", "Diabetes", "GERD", "Heart disease",
                       "Kidney stones", "Migraine", "Sciatica", "Gallstones", "Hernia"],
        "Tests &amp; Procedures": ["Colonoscopy", "Cataract surgery", "Upper endoscopy", "Epidural injection", "MRI",
                                   "CT scan", "Mammogram", "Knee replacement", "Sleep study", "Cystoscopy"],
        "Find Care": ["Find a doctor", "Locations", "Urgent care", "Virtual visits", "Emergency", "Pharmacies",
                      "Labs", "Imaging centers"],
        "Patients &amp; Visitors": ["Billing &amp; insurance", "Price estimates", "Medical records",
                                    "Patient portal", "Visitor policy", "Interpreter services", "Parking"],
        "About Us": ["Our mission", "News", "Careers", "Giving", "Research", "Education", "Contact us"]}


def _slug(s: str) -> str:
    out = []
    for ch in s.lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)


@lru_cache(maxsize=None)
def _static(style: str):
    nav = "\n".join(f'<li><a href="/{_slug(w)}/">{w}</a></li>' for w in NAV_WORDS)
    mega = "\n".join(
        f'<li><button aria-expanded="false">{top}</button><div class="mega-panel"><ul>' +
        "".join(f'<li><a href="/{_slug(top)}/{_slug(i)}/">{i}</a></li>' for i in items) +
        '</ul><div class="mega-promo"><p>Same-week appointments available.</p><a href="/appointments/">Request an appointment</a></div></div></li>'
        for top, items in MEGA.items())
    footer = "\n".join(f'<li><a href="/{_slug(f)}/">{f}</a></li>' for f in FOOTER_LINKS)
    cookie = ('<div id="cookie-banner" class="cookie-banner" role="dialog" aria-label="Cookie consent">'
              '<p>We use cookies to personalise content, remember your searches and analyse our traffic. '
              'See our <a href="/legal/cookies/">cookie policy</a>.</p>'
              '<button class="btn" data-consent="all">Accept all</button>'
              '<button class="btn" data-consent="essential">Essential only</button></div>')
    return nav, mega, footer, cookie


@lru_cache(maxsize=None)
def _pad_source(seed: int):
    """~70 KB of app-state JSON entries; pages take a prefix at an entry boundary."""
    rng = random.Random(f"pad:{seed}")
    units = []
    words = [w.replace("&amp;", "and") for w in NAV_WORDS]
    for k in range(520):
        units.append(json.dumps({"id": f"n{k:04d}", "label": rng.choice(words), "href": f"/{_slug(rng.choice(words))}/{k}",
                                 "weight": rng.randint(1, 999), "flags": rng.sample(["beta", "new", "hot", "ad", "geo", "ab"], 2)},
                                separators=(",", ":")) + ",")
    text = "".join(units)
    ends = []
    t = 0
    for u in units:
        t += len(u)
        ends.append(t)
    return text, ends


def _pad(seed: int, nbytes: int) -> bytes:
    if nbytes <= 0:
        return b""
    text, ends = _pad_source(seed)
    pre, post = '<script>window.__APP_STATE__={"menu":[', ']};</script>\n'
    room = nbytes - len(pre) - len(post)
    if room <= 0:
        return b" " * nbytes
    k = bisect.bisect_right(ends, room)
    body = text[:ends[k - 1]] if k else ""
    out = pre + body + post
    return (out + " " * (nbytes - len(out))).encode("ascii")


# --------------------------------------------------------------------------- page model
def _kind(i: int, seed: int):
    """('original', None) | ('redated', j) | ('exact', j) with j an earlier original page."""
    if i < 20:
        return "original", None
    r = random.Random(f"kind:{seed}:{i}")
    x = r.random()
    if x >= P_REDATED + P_EXACT:
        return "original", None
    kind = "redated" if x < P_REDATED else "exact"
    for _ in range(50):
        j = r.randrange(0, i)
        rj = random.Random(f"kind:{seed}:{j}").random()
        if j < 20 or rj >= P_REDATED + P_EXACT:
            return kind, j
    return "original", None


def _fill(s: str, ctx: dict) -> str:
    return s.format(**ctx)


def _model(i: int, seed: int) -> dict:
    """The content of original page i (deterministic)."""
    r = random.Random(f"page:{seed}:{i}")
    pool, cum, total = code_pool(seed)
    entry = pool[bisect.bisect_right(cum, r.randrange(total))]
    code, name, desc, part, spec, anes, (m1, m2) = entry
    style = STYLES[r.randrange(3)]
    ctx = {"name": name.lower(), "Name": name, "part": part, "spec": spec, "Spec": spec[0].upper() + spec[1:],
           "anes": anes, "approach": r.choice(APPROACH), "m1": m1, "m2": m2}
    sec = {}
    sec["summary"] = _fill(r.choice(SUMMARY), ctx)
    sec["purpose"] = _fill(r.choice(PURPOSE), ctx)
    for key, poolx in LIST_POOL.items():
        n = r.randint(3, min(8, len(poolx)))
        items = r.sample(poolx, n)
        if key == "procedure_steps":
            items.sort(key=poolx.index)
        sec[key] = [_fill(x, ctx) for x in items]
    sec["duration"] = _fill(r.choice(DURATION), ctx)
    sec["setting"] = r.choice(SETTING)
    sec["patient_experience"] = r.choice(EXPERIENCE)
    headings = {k: r.choice(v) for k, v in HEADINGS[style].items()}
    month, day = r.randint(1, 12), r.randint(1, 28)
    return {
        "i": i, "code": code, "title": desc, "name": name, "style": style, "headings": headings,
        "sections": sec, "jsonld": style == "health" and r.random() < 0.7 or r.random() < 0.1,
        "list_tag": r.choice(["ul", "ul", "ol"]) if style != "codes" else "ul",
        "step_note": r.choice(STEP_NOTE) if r.random() < 0.6 else None,
        "alt_note": r.choice(ALT_NOTE) if r.random() < 0.6 else None,
        "date": f"2025-{month:02d}-{day:02d}", "slug": f"{_slug(name)}-{code}-{i:06d}",
        "target": int(r.triangular(MIN_SIZE + 512, MAX_SIZE - 512, MODE_SIZE)),
        "table_seed": r.randrange(1 << 30),
    }


def _url(m: dict) -> str:
    if m["style"] == "codes":
        return f"https://codes.example/cpt/{m['code']}/{m['slug']}/"
    if m["style"] == "health":
        return f"https://health.example.org/tests-procedures/{m['slug']}"
    return f"https://clinic.example/blog/{m['slug']}/"


def _model_for(i: int, seed: int):
    kind, j = _kind(i, seed)
    if kind == "original":
        m = _model(i, seed)
        m["kind"], m["copy_of"], m["fetched_url"], m["file"] = "original", None, _url(m), m["slug"]
        return m
    m = _model(j, seed)
    m["kind"], m["copy_of"] = kind, j
    r = random.Random(f"dup:{seed}:{i}")
    if kind == "redated":
        # later date, one list item replaced by another sentence from the same pool
        y, mo, d = m["date"].split("-")
        m["date"] = f"2026-{r.randint(1, 6):02d}-{d}"
        key = r.choice(list(LIST_POOL))
        items = m["sections"][key]
        pos = r.randrange(len(items))
        ctx_new = None
        for cand in r.sample(LIST_POOL[key], len(LIST_POOL[key])):
            if cand not in items and "{" not in cand:
                ctx_new = cand
                break
        items = list(items)
        items[pos] = ctx_new or (items[pos].rstrip(".") + ", as your doctor advises.")
        m["sections"] = dict(m["sections"], **{key: items})
        m["changed"] = key
        m["fetched_url"] = _url(m)  # same URL as the original: a later crawl of the same page
        m["file"] = m["slug"] + f"-v{i:06d}"
    else:
        m["fetched_url"] = _url(m) + ("&" if "?" in _url(m) else "?") + f"utm_source=newsletter&utm_id={i}"
        m["file"] = m["slug"] + f"-copy{i:06d}"
    return m


# --------------------------------------------------------------------------- rendering
def _table(m: dict) -> str:
    r = random.Random(m["table_seed"])
    cities = ["Atlanta", "Boston", "Chicago", "Dallas", "Denver", "Detroit", "Houston", "Miami", "Phoenix",
              "Portland", "Seattle", "St. Louis", "Tampa", "Austin", "Columbus", "Omaha", "Raleigh",
              "Richmond", "Tucson", "Madison", "Albany", "Boise"]
    rows = "\n".join(
        f"<tr><td>{c}</td><td>${fee:,}</td><td>${fee + r.randint(300, 6000):,}</td><td>{r.randint(2, 40)} days</td></tr>"
        for c, fee in ((c, r.randint(180, 2400)) for c in r.sample(cities, 20)))
    return ('<table class="data"><caption>Estimated cost by location</caption><thead><tr><th>Location</th>'
            '<th>Facility fee</th><th>Total estimate</th><th>Typical wait</th></tr></thead><tbody>\n' + rows + "\n</tbody></table>")


def _list(tag: str, items) -> str:
    return f"<{tag}>\n" + "\n".join(f"  <li>{x}</li>" for x in items) + f"\n</{tag}>"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections_html(m: dict) -> str:
    st, h, s = m["style"], m["headings"], m["sections"]
    htag = {"codes": "h2", "health": "h3", "clinic": "h4"}[st]
    out = []
    for key in SECTIONS:
        hid = key.replace("_", "-")
        out.append(f'<{htag} id="{hid}">{h[key]}</{htag}>')
        v = s[key]
        if isinstance(v, list):
            tag = "ol" if key == "procedure_steps" else m["list_tag"]
            out.append(_list(tag, [_esc(x) for x in v]))
            if key == "procedure_steps" and m["step_note"]:
                out.append(f"<p>{m['step_note']}</p>")
            if key == "alternatives" and m["alt_note"]:
                out.append(f"<p>{m['alt_note']}</p>")
        else:
            out.append(f"<p>{_esc(v)}</p>")
    return "\n".join(out)


def _jsonld(m: dict) -> str:
    if not m["jsonld"]:
        return ""
    return ('<script type="application/ld+json">' + json.dumps(
        {"@context": "https://schema.org", "@type": "MedicalProcedure", "name": m["name"],
         "code": {"@type": "MedicalCode", "codeValue": m["code"], "codingSystem": "CPT"},
         "dateModified": m["date"]}, separators=(",", ":")) + "</script>\n")


def _render(m: dict, seed: int) -> bytes:
    nav, mega, footer, cookie = _static(m["style"])
    st = m["style"]
    canonical = _url(m)
    title = _esc(m["title"])
    head = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{_esc(m["name"])} (CPT {m["code"]}) | {SITE_DIR[st]}</title>\n'
            f'<link rel="canonical" href="{canonical}">\n'
            f'<meta property="og:url" content="{_esc(m["fetched_url"])}">\n'
            f'<meta property="article:modified_time" content="{m["date"]}T09:00:00Z">\n'
            f'{_jsonld(m)}{CSS}\n{JS}\n')
    header = (f'</head>\n<body class="synth {st}">\n{cookie}\n<header class="site-header">'
              f'<a class="logo" href="/"><img src="/static/logo.svg" alt="{SITE_DIR[st]}"></a>'
              '<form class="site-search" action="/search"><input type="search" name="q" placeholder="Search all medical codes">'
              '<button>Search</button></form>\n'
              f'<nav class="primary-nav" aria-label="Main"><ul>\n{nav}\n</ul></nav>\n'
              f'<nav class="mega" aria-label="Explore"><ul>\n{mega}\n</ul></nav>\n</header>\n')
    secs = _sections_html(m)
    if st == "codes":
        body = (f'<nav class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/cpt/">CPT</a> &rsaquo; {m["code"]}</nav>\n'
                f'<div class="layout">\n<main id="content">\n<article>\n<h1>{title}</h1>\n'
                f'<div class="badge">CPT4 code {m["code"]}</div>\n'
                f'<p><strong>Name of the Procedure:</strong></p>\n<p>{_esc(m["name"])}</p>\n{secs}\n</article>\n'
                '<div class="share"><a data-share href="/s/fb">Facebook</a><a data-share href="/s/x">X</a><a data-share href="/s/in">LinkedIn</a></div>\n'
                '<div class="cta-block"><h3>Contact us to learn more</h3><p>Our coders answer within one business day.</p></div>\n'
                '</main>\n<aside class="sidebar"><h3>Similar Codes</h3>\n<ul>' +
                "".join(f'<li><a href="/cpt/{int(m["code"]) + k:05d}/">{int(m["code"]) + k:05d}</a></li>' for k in range(1, 9)) +
                f'</ul>\n<h3>Fee schedule by locality</h3>\n{_table(m)}\n'
                '<div class="cta-block"><h3>Choose your own adventure</h3><p>Setup a calendar meeting with us.</p></div>\n</aside>\n</div>\n')
    elif st == "health":
        body = (f'<div class="layout">\n<main id="main">\n<article class="patient-ed">\n<h1>{_esc(m["name"])}</h1>\n'
                f'{secs}\n<p class="last-updated">Last updated: {m["date"]}</p>\n</article>\n'
                f'<aside class="price-estimates"><h2>Price estimates</h2>\n{_table(m)}\n</aside>\n'
                '<div class="cta-block"><a href="/find-a-doctor/">Find a doctor</a> <a href="/appointments/">Request an appointment</a></div>\n'
                '</main>\n<aside class="sidebar"><h2>Related conditions</h2><ul>' +
                "".join(f'<li><a href="/conditions/{_slug(c)}/">{c}</a></li>' for c in MEGA["Conditions"][:8]) +
                '</ul><div class="newsletter"><h2>Get health tips in your inbox</h2><form><input type="email" placeholder="Email"><button>Subscribe</button></form></div></aside>\n</div>\n')
    else:
        body = ('<div id="wrapper"><div class="content-area"><div class="post">\n'
                f'<h2 class="post-title">{_esc(m["name"])}: What Our Patients Should Know</h2>\n'
                f'<div class="post-meta">Posted on {m["date"]} by Clinic Team</div>\n'
                f'<div class="post-body">\n{secs}\n</div>\n'
                '<div class="share-buttons">Share this: <a href="/share?fb">Facebook</a> <a href="/share?tw">Twitter</a></div>\n'
                '</div></div>\n<div class="widget-area"><div class="widget"><div class="widget-title">Office hours &amp; locations</div>\n'
                f'{_table(m)}\n</div></div></div>\n')
    foot = (f'<footer class="site-footer"><div class="footer-cols"><ul>\n{footer}\n</ul></div>'
            f'<p>&copy; 2026 {SITE_DIR[st]}. Plain-language summaries, not official descriptors.</p></footer>\n')
    head_b = head.encode("utf-8")
    rest_b = (header + body + foot + "</body>\n</html>\n").encode("utf-8")
    # the padding is an inline app-state <script> at the end of <head>
    # (sized as if og:url were the canonical URL, so exact copies get byte-identical padding)
    url_delta = len(_esc(m["fetched_url"]).encode()) - len(canonical.encode())
    return head_b + _pad(seed, m["target"] - len(head_b) - len(rest_b) + url_delta) + rest_b


# --------------------------------------------------------------------------- public API
def page_info(i: int, seed: int) -> dict:
    """Manifest entry for page i (no rendering)."""
    m = _model_for(i, seed)
    return {"i": i, "path": f"{SITE_DIR[m['style']]}/{m['file']}.html", "code": m["code"],
            "style": m["style"], "url": _url(m), "fetched_url": m["fetched_url"], "date": m["date"],
            "kind": m["kind"], "copy_of": m["copy_of"], "changed_section": m.get("changed")}


def generate_page(i: int, seed: int = 1) -> bytes:
    """Bytes of synthetic page i for this seed (deterministic)."""
    return _render(_model_for(i, seed), seed)


def write_corpus(out_dir: str, n: int, seed: int = 1, manifest: str | None = None) -> dict:
    """Write n pages under out_dir/<site>/ and a manifest; return size statistics."""
    out_dir = os.path.abspath(out_dir)
    for d in SITE_DIR.values():
        os.makedirs(os.path.join(out_dir, d), exist_ok=True)
    manifest = manifest or out_dir.rstrip("/") + ".manifest.jsonl"
    sizes = []
    kinds = {"original": 0, "redated": 0, "exact": 0}
    with open(manifest, "w", encoding="utf-8") as mf:
        for i in range(n):
            m = _model_for(i, seed)
            data = _render(m, seed)
            rel = f"{SITE_DIR[m['style']]}/{m['file']}.html"
            with open(os.path.join(out_dir, rel), "wb") as f:
                f.write(data)
            sizes.append(len(data))
            kinds[m["kind"]] += 1
            mf.write(json.dumps({"i": i, "path": rel, "code": m["code"], "style": m["style"],
                                 "url": _url(m), "fetched_url": m["fetched_url"], "date": m["date"],
                                 "kind": m["kind"], "copy_of": m["copy_of"],
                                 "changed_section": m.get("changed")}) + "\n")
    return {"pages": n, "total_mb": sum(sizes) / 1e6,
            "min_kb": min(sizes) / KB if sizes else 0, "median_kb": statistics.median(sizes) / KB if sizes else 0,
            "max_kb": max(sizes) / KB if sizes else 0, "kinds": kinds, "manifest": manifest}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest", default=None, help="default: OUT.manifest.jsonl (next to OUT)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    s = write_corpus(a.out, a.pages, a.seed, a.manifest)
    dt = time.perf_counter() - t0
    print(f"pages written: {s['pages']} in {dt:.1f}s  ({s['kinds']['original']} original, "
          f"{s['kinds']['redated']} re-dated copies, {s['kinds']['exact']} exact copies)")
    print(f"total: {s['total_mb']:.1f} MB   size KB min/median/max: "
          f"{s['min_kb']:.1f} / {s['median_kb']:.1f} / {s['max_kb']:.1f}")
    print(f"manifest: {s['manifest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
