// SPDX-License-Identifier: GPL-2.0-only
// The desk's words in Arabic, French and English. The language is the browser's first one the
// desk knows (navigator.languages), unless the user chose another with the switch (kept in
// localStorage). Dates and numbers are formatted by Intl for the Moroccan locale of each
// language (ar-MA writes digits as 0-9, as Moroccan administrations do).
'use strict';

(function () {
  const LOCALES = { ar: 'ar-MA', fr: 'fr-MA', en: 'en-GB' };

  const T = {
    en: {
      app_name: 'raqib',
      nav_queue: 'Alert queue', nav_incidents: 'Incidents', nav_search: 'Value search',
      nav_agents: 'Agents', nav_rules: 'Rules', nav_audit: 'Audit log',
      language: 'Language', sign_in: 'Sign in', sign_out: 'Sign out',
      sign_in_title: 'Sign in to the raqib desk',
      token: 'Access token',
      token_help: 'Paste the token your administrator gave you (raqibctl token-add). It is kept in this browser tab only, and forgotten when you close it.',
      bad_token: 'This token is not valid, or it was revoked.',
      role_viewer: 'viewer', role_analyst: 'analyst', role_investigator: 'investigator',
      role_administrator: 'administrator',
      filters: 'Filters', from: 'From', to: 'To', site: 'Site', host: 'Host', user: 'User',
      app: 'App', rule: 'Rule', severity: 'Severity', document: 'Document (SHA-256)',
      value_hash: 'Value hash', apply: 'Apply', reset: 'Reset', any: 'any',
      time: 'Time', what: 'What', findings: 'Findings', more: 'Load more',
      count_shown: '{n} shown',
      no_alerts: 'No alert matches these filters.',
      no_incidents: 'No incident matches these filters.',
      keys_help: 'Keys: j/k or ↓/↑ move · Enter opens · / filters · m loads more',
      sev_low: 'low', sev_medium: 'medium', sev_high: 'high', sev_critical: 'critical',
      st_new: 'new', st_triage: 'triage', st_confirmed: 'confirmed',
      st_false_positive: 'false positive', st_closed: 'closed',
      kind: 'Kind', kind_local: 'local', 'kind_spread-document': 'document spread',
      'kind_spread-value': 'value spread',
      incident: 'Incident', state: 'State', assignee: 'Assignee', notes: 'Notes',
      note: 'Note', add_note: 'Add a note', save: 'Save', saved: 'Saved.',
      assign_me: 'Assign to me', unassigned: 'unassigned', alerts: 'Alerts', hosts: 'Hosts',
      first: 'First alert', last: 'Last alert', last_change: 'Last change',
      triage: 'Triage', read_only: 'Your role may read this incident, not change it.',
      story: 'What happened', no_notes: 'No note yet.',
      step_app_started: 'App started', step_app_running: 'App running',
      step_opened: 'Document opened', step_inspected: 'Inspected',
      step_uploaded: 'Bytes sent to the messaging service', step_sent_network: 'Sent over the network',
      step_at_rest: 'Copy found at rest', step_alert: 'Alert raised',
      step_gap: 'Coverage gap: raqib may have missed something here',
      gap_sequence: 'alerts numbered {detail} never arrived',
      gap_epoch: 'the agent\'s spool was reset (epoch {detail})',
      gap_silent: 'no heartbeat ({detail})',
      gap_degraded: 'a sensor was degraded ({detail})',
      gap_refused: 'the agent\'s spool refused alerts ({detail})',
      no_finding: 'no finding', official: 'official document', bytes: '{n} bytes',
      pid: 'pid {n}', on_host: 'on {host}', expected: 'expected {n}',
      removed: 'alert removed by retention',
      provenance: 'Provenance', provenance_of: 'Provenance of a document',
      provenance_help: 'Every host and person that opened, sent or holds this document, in time order. Each lane is a host; the line follows the document.',
      act_opened: 'opened', act_sent: 'sent', act_sent_network: 'sent (network)',
      act_holds_copy: 'holds a copy',
      export: 'Export case report', exporting: 'Preparing the report…',
      exported: 'Report downloaded: print it to PDF from the browser if needed.',
      open_provenance: 'Document provenance', host_timeline: 'Host timeline',
      same_value: 'Alerts with this value',
      search_title: 'Search by value',
      search_help: 'Type a CIN, a phone number, a RIB, an IBAN, a card number, an e-mail, a CNSS, ICE, MASSAR or passport number. It is hashed on the collector and never stored, logged nor shown again. Your search is written to the audit log.',
      search_value: 'Value', search_button: 'Search',
      search_denied: 'Only investigators may search by value. Your role is {role}.',
      search_result: '{n} alerts hold this {type}.',
      search_none: 'No stored alert holds this {type}.',
      search_waiting: '{n} entries are still waiting to be stored: search again later, they may hold more.',
      search_off: 'Searching by value is off on this collector (no deployment key).',
      agents_title: 'Agents', status: 'Status', last_seen: 'Last heartbeat', version: 'Version',
      rules_hash: 'Rules', sensors: 'Sensors', spool: 'Spool', refused: 'Refused',
      missing: 'Missing', drops: 'Drops', coverage_gaps: 'Coverage gaps',
      no_gaps: 'No coverage gap recorded.', detail: 'Detail', agent: 'Agent',
      gaps_help: 'A timeline that shows nothing may mean nothing happened, or that raqib could not see: these are the times it could not.',
      rules_title: 'Rules', mode: 'Mode', hits: 'Hits',
      hits_since: 'Alerts per rule stored by this collector since {when}.',
      packs: 'Built-in packs', detectors: 'detectors', markers: 'markers', policies: 'policies',
      apps_n: 'apps', fingerprints: 'fingerprints', exceptions: 'exceptions',
      no_hits: 'No alert since the collector started.',
      audit_title: 'Audit log', verify: 'Verify the chain', action: 'Action', who: 'Who',
      role: 'Role', peer: 'From', chain_intact: 'The chain is intact: {n} entries, head {head}.',
      chain_broken: 'THE CHAIN IS BROKEN at {id}: {reason}',
      audit_trail: 'Audit trail',
      error_network: 'The collector did not answer.', error_server: 'The collector failed: {msg}',
      error_forbidden: 'Your role may not do this: {msg}', loading: 'Loading…',
      agent_ok: 'ok', agent_degraded: 'degraded', agent_silent: 'silent', agent_stopped: 'stopped',
      agent_unknown: 'unknown',
      audit_read: 'read', audit_incident: 'changed', audit_export: 'exported', audit_find: 'searched by value',
      audit_replay: 'replayed dead letters',
      mode_alert: 'alert', mode_shadow: 'shadow (counted, not alerted)',
      gapkind_sequence: 'missing alerts', gapkind_epoch: 'spool reset', gapkind_silent: 'silence', gapkind_degraded: 'sensor degraded', gapkind_refused: 'alerts refused',
      'kind_spread-fingerprint': 'registered document spread', similarity: 'similarity {n}%', registered_versions: 'Registered document {id}: its other versions', no_versions: 'No other version.',
      back: 'Back', none: '—', alert_detail: 'Alert', close: 'Close',
    },
    fr: {
      app_name: 'raqib',
      nav_queue: 'File d\'alertes', nav_incidents: 'Incidents', nav_search: 'Recherche par valeur',
      nav_agents: 'Agents', nav_rules: 'Règles', nav_audit: 'Journal d\'audit',
      language: 'Langue', sign_in: 'Se connecter', sign_out: 'Se déconnecter',
      sign_in_title: 'Connexion au poste raqib',
      token: 'Jeton d\'accès',
      token_help: 'Collez le jeton remis par votre administrateur (raqibctl token-add). Il n\'est gardé que dans cet onglet et oublié à sa fermeture.',
      bad_token: 'Ce jeton n\'est pas valide, ou il a été révoqué.',
      role_viewer: 'lecteur', role_analyst: 'analyste', role_investigator: 'enquêteur',
      role_administrator: 'administrateur',
      filters: 'Filtres', from: 'Du', to: 'Au', site: 'Site', host: 'Poste', user: 'Utilisateur',
      app: 'Application', rule: 'Règle', severity: 'Gravité', document: 'Document (SHA-256)',
      value_hash: 'Empreinte de valeur', apply: 'Appliquer', reset: 'Réinitialiser', any: 'toutes',
      time: 'Heure', what: 'Quoi', findings: 'Constats', more: 'Charger plus',
      count_shown: '{n} affichées',
      no_alerts: 'Aucune alerte ne correspond à ces filtres.',
      no_incidents: 'Aucun incident ne correspond à ces filtres.',
      keys_help: 'Touches : j/k ou ↓/↑ pour se déplacer · Entrée ouvre · / filtre · m charge plus',
      sev_low: 'faible', sev_medium: 'moyenne', sev_high: 'élevée', sev_critical: 'critique',
      st_new: 'nouveau', st_triage: 'en triage', st_confirmed: 'confirmé',
      st_false_positive: 'faux positif', st_closed: 'clos',
      kind: 'Type', kind_local: 'local', 'kind_spread-document': 'document diffusé',
      'kind_spread-value': 'valeur diffusée',
      incident: 'Incident', state: 'État', assignee: 'Assigné à', notes: 'Notes',
      note: 'Note', add_note: 'Ajouter une note', save: 'Enregistrer', saved: 'Enregistré.',
      assign_me: 'M\'assigner', unassigned: 'non assigné', alerts: 'Alertes', hosts: 'Postes',
      first: 'Première alerte', last: 'Dernière alerte', last_change: 'Dernier changement',
      triage: 'Triage', read_only: 'Votre rôle permet de lire cet incident, pas de le modifier.',
      story: 'Déroulé', no_notes: 'Aucune note.',
      step_app_started: 'Application démarrée', step_app_running: 'Application en cours',
      step_opened: 'Document ouvert', step_inspected: 'Inspecté',
      step_uploaded: 'Octets envoyés au service de messagerie',
      step_sent_network: 'Envoyé sur le réseau', step_at_rest: 'Copie trouvée sur le disque',
      step_alert: 'Alerte levée',
      step_gap: 'Lacune de couverture : raqib a pu manquer quelque chose ici',
      gap_sequence: 'les alertes numérotées {detail} ne sont jamais arrivées',
      gap_epoch: 'le spool de l\'agent a été réinitialisé (époque {detail})',
      gap_silent: 'aucun signal de vie ({detail})',
      gap_degraded: 'un capteur était dégradé ({detail})',
      gap_refused: 'le spool de l\'agent a refusé des alertes ({detail})',
      no_finding: 'aucun constat', official: 'document officiel', bytes: '{n} octets',
      pid: 'pid {n}', on_host: 'sur {host}', expected: 'attendu {n}',
      removed: 'alerte supprimée par la rétention',
      provenance: 'Provenance', provenance_of: 'Provenance d\'un document',
      provenance_help: 'Chaque poste et chaque personne qui a ouvert, envoyé ou détient ce document, dans l\'ordre du temps. Chaque couloir est un poste ; la ligne suit le document.',
      act_opened: 'ouvert', act_sent: 'envoyé', act_sent_network: 'envoyé (réseau)',
      act_holds_copy: 'en détient une copie',
      export: 'Exporter le rapport', exporting: 'Préparation du rapport…',
      exported: 'Rapport téléchargé : imprimez-le en PDF depuis le navigateur si besoin.',
      open_provenance: 'Provenance du document', host_timeline: 'Chronologie du poste',
      same_value: 'Alertes avec cette valeur',
      search_title: 'Recherche par valeur',
      search_help: 'Saisissez une CIN, un numéro de téléphone, un RIB, un IBAN, un numéro de carte, un e-mail, un numéro CNSS, ICE, MASSAR ou de passeport. La valeur est hachée par le collecteur, jamais conservée, journalisée ni réaffichée. Votre recherche est inscrite au journal d\'audit.',
      search_value: 'Valeur', search_button: 'Rechercher',
      search_denied: 'Seuls les enquêteurs peuvent rechercher par valeur. Votre rôle : {role}.',
      search_result: '{n} alertes contiennent cette valeur ({type}).',
      search_none: 'Aucune alerte enregistrée ne contient cette valeur ({type}).',
      search_waiting: '{n} entrées attendent encore d\'être enregistrées : recherchez à nouveau plus tard.',
      search_off: 'La recherche par valeur est désactivée sur ce collecteur (pas de clé de déploiement).',
      agents_title: 'Agents', status: 'État', last_seen: 'Dernier signal', version: 'Version',
      rules_hash: 'Règles', sensors: 'Capteurs', spool: 'Spool', refused: 'Refusées',
      missing: 'Manquantes', drops: 'Pertes', coverage_gaps: 'Lacunes de couverture',
      no_gaps: 'Aucune lacune de couverture enregistrée.', detail: 'Détail', agent: 'Agent',
      gaps_help: 'Une chronologie vide peut vouloir dire que rien ne s\'est passé, ou que raqib ne pouvait pas voir : voici les moments où il ne le pouvait pas.',
      rules_title: 'Règles', mode: 'Mode', hits: 'Déclenchements',
      hits_since: 'Alertes par règle enregistrées par ce collecteur depuis le {when}.',
      packs: 'Paquets intégrés', detectors: 'détecteurs', markers: 'marqueurs',
      policies: 'politiques', apps_n: 'applications', fingerprints: 'empreintes',
      exceptions: 'exceptions', no_hits: 'Aucune alerte depuis le démarrage du collecteur.',
      audit_title: 'Journal d\'audit', verify: 'Vérifier la chaîne', action: 'Action',
      who: 'Qui', role: 'Rôle', peer: 'Depuis',
      chain_intact: 'La chaîne est intacte : {n} entrées, tête {head}.',
      chain_broken: 'LA CHAÎNE EST ROMPUE à {id} : {reason}', audit_trail: 'Piste d\'audit',
      error_network: 'Le collecteur n\'a pas répondu.', error_server: 'Erreur du collecteur : {msg}',
      error_forbidden: 'Votre rôle ne le permet pas : {msg}', loading: 'Chargement…',
      agent_ok: 'en marche', agent_degraded: 'dégradé', agent_silent: 'silencieux', agent_stopped: 'arrêté',
      agent_unknown: 'inconnu',
      audit_read: 'lu', audit_incident: 'modifié', audit_export: 'exporté', audit_find: 'recherche par valeur',
      audit_replay: 'lettres mortes rejouées',
      mode_alert: 'alerte', mode_shadow: 'fantôme (compté, sans alerte)',
      gapkind_sequence: 'alertes manquantes', gapkind_epoch: 'spool réinitialisé', gapkind_silent: 'silence', gapkind_degraded: 'capteur dégradé', gapkind_refused: 'alertes refusées',
      'kind_spread-fingerprint': 'document enregistré diffusé', similarity: 'similarité {n} %', registered_versions: 'Document enregistré {id} : ses autres versions', no_versions: 'Aucune autre version.',
      back: 'Retour', none: '—', alert_detail: 'Alerte', close: 'Fermer',
    },
    ar: {
      app_name: 'رقيب',
      nav_queue: 'قائمة التنبيهات', nav_incidents: 'الحوادث', nav_search: 'البحث بالقيمة',
      nav_agents: 'الوكلاء', nav_rules: 'القواعد', nav_audit: 'سجل التدقيق',
      language: 'اللغة', sign_in: 'تسجيل الدخول', sign_out: 'تسجيل الخروج',
      sign_in_title: 'الدخول إلى مكتب رقيب',
      token: 'رمز الدخول',
      token_help: 'الصق الرمز الذي سلّمه لك المسؤول (raqibctl token-add). يُحفظ في علامة التبويب هذه فقط ويُنسى عند إغلاقها.',
      bad_token: 'هذا الرمز غير صالح أو أُلغي.',
      role_viewer: 'مُطّلع', role_analyst: 'محلل', role_investigator: 'محقق',
      role_administrator: 'مسؤول',
      filters: 'عوامل التصفية', from: 'من', to: 'إلى', site: 'الموقع', host: 'الجهاز',
      user: 'المستخدم', app: 'التطبيق', rule: 'القاعدة', severity: 'الخطورة',
      document: 'الوثيقة (SHA-256)', value_hash: 'بصمة القيمة', apply: 'تطبيق',
      reset: 'إعادة تعيين', any: 'الكل',
      time: 'الوقت', what: 'ماذا', findings: 'النتائج', more: 'تحميل المزيد',
      count_shown: 'المعروض: {n}',
      no_alerts: 'لا يوجد تنبيه يطابق عوامل التصفية هذه.',
      no_incidents: 'لا يوجد حادث يطابق عوامل التصفية هذه.',
      keys_help: 'المفاتيح: j/k أو ↓/↑ للتنقل · Enter للفتح · / للتصفية · m لتحميل المزيد',
      sev_low: 'منخفضة', sev_medium: 'متوسطة', sev_high: 'مرتفعة', sev_critical: 'حرجة',
      st_new: 'جديد', st_triage: 'قيد الفرز', st_confirmed: 'مؤكد',
      st_false_positive: 'إنذار كاذب', st_closed: 'مغلق',
      kind: 'النوع', kind_local: 'محلي', 'kind_spread-document': 'وثيقة منتشرة',
      'kind_spread-value': 'قيمة منتشرة',
      incident: 'الحادث', state: 'الحالة', assignee: 'المكلَّف', notes: 'الملاحظات',
      note: 'ملاحظة', add_note: 'إضافة ملاحظة', save: 'حفظ', saved: 'تم الحفظ.',
      assign_me: 'كلّفني', unassigned: 'غير مكلَّف', alerts: 'التنبيهات', hosts: 'الأجهزة',
      first: 'أول تنبيه', last: 'آخر تنبيه', last_change: 'آخر تغيير',
      triage: 'الفرز', read_only: 'يسمح لك دورك بقراءة هذا الحادث دون تغييره.',
      story: 'ما الذي حدث', no_notes: 'لا ملاحظات بعد.',
      step_app_started: 'بدأ التطبيق', step_app_running: 'التطبيق قيد التشغيل',
      step_opened: 'فُتحت الوثيقة', step_inspected: 'فُحصت',
      step_uploaded: 'أُرسلت بايتات إلى خدمة المراسلة', step_sent_network: 'أُرسلت عبر الشبكة',
      step_at_rest: 'وُجدت نسخة على القرص', step_alert: 'أُطلق التنبيه',
      step_gap: 'ثغرة في التغطية: ربما فات رقيبَ شيء هنا',
      gap_sequence: 'التنبيهات ذات الأرقام {detail} لم تصل أبداً',
      gap_epoch: 'أُعيد ضبط مخزن الوكيل (الحقبة {detail})',
      gap_silent: 'لا إشارة حياة ({detail})',
      gap_degraded: 'كان أحد المستشعرات متدهوراً ({detail})',
      gap_refused: 'رفض مخزن الوكيل تنبيهات ({detail})',
      no_finding: 'لا نتيجة', official: 'وثيقة رسمية', bytes: '{n} بايت',
      pid: 'العملية {n}', on_host: 'على {host}', expected: 'المتوقع {n}',
      removed: 'تنبيه حذفته مدة الاحتفاظ',
      provenance: 'المسار', provenance_of: 'مسار وثيقة',
      provenance_help: 'كل جهاز وكل شخص فتح هذه الوثيقة أو أرسلها أو يحتفظ بها، حسب الترتيب الزمني. كل مسار أفقي جهاز؛ والخط يتتبع الوثيقة.',
      act_opened: 'فتح', act_sent: 'أرسل', act_sent_network: 'أرسل (الشبكة)',
      act_holds_copy: 'يحتفظ بنسخة',
      export: 'تصدير تقرير الحادث', exporting: 'جارٍ إعداد التقرير…',
      exported: 'نُزّل التقرير: اطبعه بصيغة PDF من المتصفح عند الحاجة.',
      open_provenance: 'مسار الوثيقة', host_timeline: 'التسلسل الزمني للجهاز',
      same_value: 'التنبيهات التي تحمل هذه القيمة',
      search_title: 'البحث بالقيمة',
      search_help: 'اكتب رقم بطاقة وطنية أو رقم هاتف أو RIB أو IBAN أو رقم بطاقة بنكية أو بريداً إلكترونياً أو رقم CNSS أو ICE أو MASSAR أو جواز سفر. تُحوَّل القيمة إلى بصمة على المُجمِّع، ولا تُخزَّن ولا تُسجَّل ولا تُعرض مرة أخرى. يُسجَّل بحثك في سجل التدقيق.',
      search_value: 'القيمة', search_button: 'بحث',
      search_denied: 'البحث بالقيمة مخصص للمحققين فقط. دورك: {role}.',
      search_result: 'عدد التنبيهات التي تحمل هذه القيمة ({type}): {n}.',
      search_none: 'لا يوجد تنبيه مخزَّن يحمل هذه القيمة ({type}).',
      search_waiting: 'ما زالت {n} إدخالات في انتظار التخزين: أعد البحث لاحقاً.',
      search_off: 'البحث بالقيمة معطّل في هذا المُجمِّع (لا مفتاح نشر).',
      agents_title: 'الوكلاء', status: 'الحالة', last_seen: 'آخر إشارة', version: 'الإصدار',
      rules_hash: 'القواعد', sensors: 'المستشعرات', spool: 'المخزن', refused: 'المرفوضة',
      missing: 'المفقودة', drops: 'الفاقد', coverage_gaps: 'ثغرات التغطية',
      no_gaps: 'لا ثغرة تغطية مسجلة.', detail: 'التفاصيل', agent: 'الوكيل',
      gaps_help: 'قد يعني تسلسل زمني فارغ أن شيئاً لم يحدث، أو أن رقيب لم يكن يرى: هذه هي الأوقات التي لم يكن يرى فيها.',
      rules_title: 'القواعد', mode: 'الوضع', hits: 'مرات التطابق',
      hits_since: 'التنبيهات لكل قاعدة التي خزنها هذا المُجمِّع منذ {when}.',
      packs: 'الحزم المدمجة', detectors: 'كواشف', markers: 'علامات', policies: 'سياسات',
      apps_n: 'تطبيقات', fingerprints: 'بصمات', exceptions: 'استثناءات',
      no_hits: 'لا تنبيه منذ بدء المُجمِّع.',
      audit_title: 'سجل التدقيق', verify: 'التحقق من السلسلة', action: 'الإجراء', who: 'من',
      role: 'الدور', peer: 'من العنوان',
      chain_intact: 'السلسلة سليمة: {n} إدخالات، الرأس {head}.',
      chain_broken: 'السلسلة مكسورة عند {id}: {reason}', audit_trail: 'سجل التدقيق',
      error_network: 'لم يُجب المُجمِّع.', error_server: 'خطأ في المُجمِّع: {msg}',
      error_forbidden: 'لا يسمح دورك بذلك: {msg}', loading: 'جارٍ التحميل…',
      agent_ok: 'يعمل', agent_degraded: 'متدهور', agent_silent: 'صامت', agent_stopped: 'متوقف',
      agent_unknown: 'غير معروف',
      audit_read: 'اطّلع', audit_incident: 'عدّل', audit_export: 'صدّر', audit_find: 'بحث بالقيمة',
      audit_replay: 'أعاد معالجة الرسائل المرفوضة',
      mode_alert: 'تنبيه', mode_shadow: 'ظل (يُعدّ دون تنبيه)',
      gapkind_sequence: 'تنبيهات مفقودة', gapkind_epoch: 'إعادة ضبط المخزن', gapkind_silent: 'صمت', gapkind_degraded: 'مستشعر متدهور', gapkind_refused: 'تنبيهات مرفوضة',
      'kind_spread-fingerprint': 'وثيقة مسجلة منتشرة', similarity: 'التشابه {n}%', registered_versions: 'الوثيقة المسجلة {id}: نسخها الأخرى', no_versions: 'لا نسخ أخرى.',
      back: 'رجوع', none: '—', alert_detail: 'التنبيه', close: 'إغلاق',
    },
  };

  function pick() {
    let saved = null;
    try { saved = localStorage.getItem('raqib.lang'); } catch (e) { /* private mode */ }
    if (saved && T[saved]) return saved;
    for (const l of navigator.languages || [navigator.language || 'en']) {
      const base = String(l).toLowerCase().split('-')[0];
      if (T[base]) return base;
    }
    return 'en';
  }

  let lang = pick();

  function t(key, params) {
    let s = (T[lang] && T[lang][key]) || T.en[key] || key;
    if (params) {
      for (const k of Object.keys(params)) s = s.split('{' + k + '}').join(String(params[k]));
    }
    return s;
  }

  function setLang(l, remember) {
    if (!T[l]) return;
    lang = l;
    if (remember) {
      try { localStorage.setItem('raqib.lang', l); } catch (e) { /* private mode */ }
    }
    document.documentElement.lang = l;
    document.documentElement.dir = l === 'ar' ? 'rtl' : 'ltr';
  }

  function locale() { return LOCALES[lang]; }

  function date(ms) {
    if (!ms) return t('none');
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' })
      .format(new Date(Number(ms)));
  }

  function number(n) {
    return new Intl.NumberFormat(locale()).format(Number(n) || 0);
  }

  window.RAQIB_I18N = {
    t, setLang, date, number, locale,
    get lang() { return lang; },
    languages: Object.keys(T),
  };
  setLang(lang, false);
})();
