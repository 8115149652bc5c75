/** Every user-facing sentence in French, in the shape of `en.ts` (see there). */
import { REFERENCE_RATE } from '../../funding/domain/money.ts';
import type * as En from './en.ts';

export const service: typeof En.service = {
  name: "Fonds d'intervention conjoint pour la sûreté du port de Calais",
  languageNav: 'Langue',
  switchTo: 'English version',
  rateNote: `Montants en GBP au taux de référence du fonds : GBP ${REFERENCE_RATE.gbpPerEur} pour 1 EUR.`,
};

export const purposes: typeof En.purposes = {
  INVESTMENT: 'Investissement',
  RUNNING_COST: 'Coûts annuels de fonctionnement (sûreté)',
};

export const approval: typeof En.approval = {
  signOffTitle: 'Validation demandée',
  agreementTitle: 'Accord demandé',
  askedAs: (name: string) => `Il vous est demandé de décider au nom de : ${name}.`,
  askedAsDeputy: (name: string) =>
    `Il vous est demandé de décider en tant que suppléant pour : ${name}, la demande adressée au valideur habituel étant restée sans réponse.`,
  validUntil: "Ce lien est valable jusqu'au",
  proposal: 'Proposition',
  evaluation: 'Évaluation annuelle des coûts de sûreté',
  titleLabel: 'Titre',
  reference: 'Référence',
  category: 'Catégorie',
  contact: 'Contact',
  description: 'Description',
  funding: 'Financement demandé',
  fundYear: 'Année du fonds',
  purpose: 'Objet',
  total: 'Total',
  project: 'Projet',
  funded: 'Financé',
  actual: 'Coût annuel réel',
  nextTranche: "Tranche proposée pour l'année suivante",
  notReported: 'Non déclaré',
  openLines:
    "Un projet sans déclaration n'a pas de tranche dans ce tour : approuver verse celles des autres, et un nouveau tour peut encore en décider.",
  decision: 'Votre décision',
  comment:
    'Commentaire, communiqué aux autres parties (conditions, remarques) : facultatif pour approuver, obligatoire pour rejeter',
  approve: 'Approuver (Approve)',
  reject: 'Rejeter (Reject)',
  formNote:
    "Rien n'est décidé tant que vous n'avez pas appuyé sur l'un de ces boutons. Vous ne pouvez décider qu'une fois.",
};

export const messages: typeof En.messages = {
  APPROVED: {
    title: 'Approbation enregistrée',
    message: 'Merci : votre approbation a été enregistrée. Vous pouvez fermer cette page.',
  },
  REJECTED: {
    title: 'Rejet enregistré',
    message: 'Votre rejet a été enregistré. Vous pouvez fermer cette page.',
  },
  ALREADY_DECIDED: {
    title: 'Déjà décidé',
    message: "Une décision a déjà été enregistrée pour cette demande ; rien n'a été modifié.",
  },
  EXPIRED: {
    title: 'Lien expiré',
    message: "Ce lien a expiré ; il ne permet plus d'enregistrer une décision.",
  },
  NOT_FOUND: {
    title: 'Lien non valide',
    message: "Ce lien n'est pas valide. Vérifiez que vous avez utilisé le lien complet reçu par courriel.",
  },
  BAD_REQUEST: {
    title: 'Demande incomprise',
    message: 'Veuillez choisir Approuver ou Rejeter dans le formulaire, puis réessayer.',
  },
  TOO_LARGE: {
    title: 'Demande trop volumineuse',
    message: 'Veuillez utiliser le formulaire de la page ouverte par le lien du courriel.',
  },
  UNSUPPORTED: {
    title: 'Demande non prise en charge',
    message: 'Veuillez utiliser le formulaire de la page ouverte par le lien du courriel.',
  },
};

export const costReportForm: typeof En.costReportForm = {
  heading: (year: number) => `Coût annuel de sûreté, année ${year} du fonds`,
  intro: (year: number) =>
    `Merci de déclarer le coût réel de sûreté de ce projet pour l'ensemble de l'année ${year} du fonds. Le fonds verse la tranche de coûts de fonctionnement de l'année ${year + 1} dans la limite du plus faible du montant engagé et du coût déclaré, après validation de l'évaluation par le Royaume-Uni et la France.`,
  project: 'Projet',
  reference: 'Référence',
  fundYear: 'Année du fonds déclarée',
  committed: (year: number) => `Engagé pour l'année ${year} du fonds (coûts de fonctionnement)`,
  dueBy: 'À déclarer avant le',
  amountLabel: (year: number) => `Coût réel de sûreté de l'année ${year} du fonds, en euros`,
  amountHint: 'Euros et centimes comme vous les écrivez, par exemple 148 250,00 ou 148250.00',
  noteLabel: 'Note (facultative) : ce que les valideurs devraient savoir de ce coût',
  submit: 'Envoyer la déclaration',
  formNote:
    "Rien n'est enregistré tant que vous n'avez pas appuyé sur le bouton. Vous pouvez corriger la déclaration avec le même lien jusqu'à ce que tous les projets de ce tour aient déclaré ou jusqu'à la date limite, selon ce qui arrive en premier.",
  problem: 'Il y a un problème',
  amountError: 'Indiquez le coût réel en euros et centimes, par exemple 148 250,00 ou 148250.00',
  amountTooHigh: (cap: string) =>
    `Le coût annuel d'un projet ne peut pas dépasser le plafond annuel du fonds de ${cap} : vérifiez le montant`,
  confirmLabel: (amount: string, committed: string) =>
    `Je confirme que ${amount} est exact : c'est bien au-delà des ${committed} engagés`,
  confirmError: (amount: string, committed: string) =>
    `${amount} dépasse le double des ${committed} engagés : cochez la case ci-dessous pour le confirmer, ou corrigez-le`,
  current: (amount: string, at: string) =>
    `Déclaré à ce jour : ${amount} (envoyé le ${at}). Renvoyez le formulaire pour le corriger.`,
  noteError: (max: number) => `La note doit faire au plus ${max} caractères`,
};

export const costReportMessages: typeof En.costReportMessages = {
  CLOSED: {
    title: 'Déclaration close',
    message:
      'Cette déclaration est close (tous les projets du tour ont déclaré, ou le délai est dépassé) : le dernier coût envoyé est retenu et ne peut plus être corrigé.',
  },
  EXPIRED: {
    title: 'Lien expiré',
    message: 'Le délai de cette déclaration est dépassé ; ce lien ne permet plus de déclarer un coût.',
  },
  NOT_FOUND: {
    title: 'Lien non valide',
    message: "Ce lien n'est pas valide. Vérifiez que vous avez utilisé le lien complet reçu par courriel.",
  },
  UNSUPPORTED: {
    title: 'Demande non prise en charge',
    message: 'Veuillez utiliser le formulaire de la page ouverte par le lien du courriel.',
  },
  TOO_LARGE: {
    title: 'Demande trop volumineuse',
    message: 'Veuillez utiliser le formulaire de la page ouverte par le lien du courriel.',
  },
};

export const costReportReceived: typeof En.costReportReceived = {
  title: 'Déclaration enregistrée',
  message: (amount: string, year: number, title: string, until: string) =>
    `Merci : le coût de ${amount} pour l'année ${year} du fonds est enregistré pour « ${title} ». Vous pouvez le corriger avec le même lien jusqu'à ce que tous les projets de ce tour aient déclaré ou jusqu'au ${until}, selon ce qui arrive en premier. La tranche de l'année ${year + 1} sera fixée après validation de l'évaluation par le Royaume-Uni et la France.`,
};

export const evaluationReport: typeof En.evaluationReport = {
  title: (year: number) => `Évaluation annuelle des coûts de sûreté, année ${year} du fonds`,
  statuses: {
    COLLECTING_REPORTS: 'Collecte des déclarations de coûts',
    AWAITING_SIGN_OFF: 'En attente de validation (Royaume-Uni et France)',
    APPROVED: 'Approuvée ; tranches versées',
    PARTLY_APPROVED:
      'Approuvée pour les projets déclarés ; tranches versées ; ceux sans déclaration peuvent être décidés dans un nouveau tour',
    REJECTED: 'Rejetée ; rien n’est versé',
    EXPIRED: 'Expirée sans décision ; rien n’est versé',
    NO_PROJECTS: 'Aucun projet à évaluer',
    PENDING: 'En attente',
    SUBMITTED: 'Déclaré',
    WITHDRAWN: 'Retiré',
  },
  notReported: 'Non déclaré',
  noLines: 'Pas encore de lignes : elles sont fixées à la date limite des déclarations.',
  linesCaption: (year: number, next: number) =>
    `Par projet : engagé pour l'année ${next}, coût réel de l'année ${year}, tranche de l'année ${next}`,
  project: 'Projet',
  report: 'Déclaration',
  committed: 'Engagé',
  actualCost: 'Coût réel',
  tranche: 'Tranche',
  payment: 'Paiement',
  total: 'Total',
  reference: 'Référence',
  status: 'Statut',
  started: 'Commencée',
  decided: 'Décidée',
  reason: 'Motif',
  round: 'Tour',
  dueBy: 'Déclarations attendues avant le',
  earlyStart: "Lancée avant l'ouverture de la période d'évaluation",
  earlyReason: (opensOn: string, reason: string) =>
    `Ouverture le ${opensOn} ; ${reason ? `motif indiqué : ${reason}` : 'aucun motif indiqué'}`,
  previousRounds: 'Tours précédents',
  roundOutcome: (round: number, id: string) => `Tour ${round} (${id})`,
  lines: 'Lignes',
  signOffs: 'Validations',
  notAsked: 'Pas encore demandées.',
  authority: 'Autorité',
  comment: 'Commentaire',
  costReports: 'Déclarations de coûts',
  noneAsked: 'Aucune demandée.',
  submitted: 'Déclarée',
  note: 'Note',
  rule: (rate: string) =>
    `Montants en GBP au taux de référence du fonds : GBP ${rate} pour 1 EUR. Tranche = le plus faible du montant engagé et du coût réel déclaré ; un projet sans déclaration n'a pas de tranche dans ce tour et reste à décider dans un nouveau tour.`,
};

export const signOffEmail: typeof En.signOffEmail = {
  signOff: 'Validation demandée',
  agreement: 'Accord demandé',
  reminder: (n: number) => `Rappel ${n}/2`,
  deputy: 'Transmission au suppléant',
  evaluationName: (year: number) => `Évaluation annuelle, année ${year} du fonds`,
  intro: (name: string) =>
    `Le fonds d'intervention conjoint pour la sûreté du port de Calais demande à : ${name} de se prononcer sur :`,
  introDeputy: (name: string) =>
    `Vous recevez cette demande en tant que suppléant pour : ${name}, le valideur habituel n'ayant répondu ni à la demande ni à deux rappels.`,
  reminderIntro: (n: number) =>
    `Ceci est le rappel ${n} sur 2 : la demande ci-dessous est toujours sans réponse.`,
  proposal: 'Proposition',
  evaluation: 'Évaluation',
  reference: 'Référence',
  category: 'Catégorie',
  contact: 'Contact',
  fundYear: 'Année du fonds',
  funding: 'Financement demandé :',
  fundingLine: (year: number, purpose: string, amount: string) =>
    `Année ${year} du fonds, ${purpose} : ${amount}`,
  total: 'Total',
  description: 'Description :',
  evaluationLines: "Par projet : financé / coût annuel réel / tranche proposée pour l'année suivante :",
  notReported: 'non déclaré à temps (pas de tranche dans ce tour ; un nouveau tour peut en décider)',
  evaluationLine: (name: string, funded: string, actual: string, next: string) =>
    `${name} : financé ${funded} ; réel ${actual} ; tranche de l'année suivante ${next}`,
  open: (until: string) =>
    `Pour approuver ou rejeter, ouvrez ce lien (valable jusqu'au ${until}). L'ouvrir ne décide rien : la page affiche le détail et vous demande de confirmer.`,
  personal: 'Ce lien est propre à votre autorité : merci de ne pas le transférer.',
};

export const costReportEmail: typeof En.costReportEmail = {
  subject: (year: number) => `Coût annuel de sûreté, année ${year} du fonds`,
  heading: (year: number) => `Déclaration du coût annuel de sûreté, année ${year} du fonds`,
  intro: (year: number) =>
    `Le fonds évalue chaque année les coûts de sûreté. Merci de déclarer le coût annuel réel de sûreté de ce projet pour l'année ${year} du fonds. La tranche de coûts de fonctionnement de l'année ${year + 1} sera le plus faible du montant engagé et du coût déclaré, après validation par le Royaume-Uni et la France.`,
  proposal: 'Projet',
  reference: 'Référence',
  committed: (year: number) => `Engagé pour l'année ${year} (coûts de fonctionnement)`,
  open: (until: string) =>
    `Pour déclarer le coût, ouvrez ce lien (à utiliser avant le ${until} ; vous pouvez corriger la déclaration jusque-là, ou jusqu'à ce que tous les projets de ce tour aient déclaré si cela arrive avant). Sans déclaration à temps, ce projet n'a pas de tranche dans ce tour de l'évaluation.`,
  reminder: (n: number) => `Rappel ${n}`,
  reminderIntro: (until: string) =>
    `Aucun coût n'a encore été déclaré pour ce projet ; la date limite est le ${until}.`,
  deadlineSubject: (year: number) => `Délai dépassé : coût annuel de sûreté, année ${year} du fonds`,
  deadlineText: (until: string, year: number) =>
    `Le délai du ${until} est dépassé sans déclaration de coût pour ce projet : il n'a pas de tranche de coûts de fonctionnement pour l'année ${year + 1} dans ce tour de l'évaluation. Les administrateurs du fonds peuvent lancer un nouveau tour, qui vous le redemandera.`,
  personal: 'Ce lien est propre à ce projet : merci de ne pas le transférer.',
};

export const outcomeEmail: typeof En.outcomeEmail = {
  outcomes: {
    AWAITING_AGREEMENT: {
      label: "Reçue, en attente de l'accord du gestionnaire routier",
      text: "Votre proposition a été reçue. Mesure de sûreté temporaire, elle requiert d'abord l'accord du gestionnaire routier (DIR Nord) ; les valideurs britannique et français sont sollicités ensuite.",
    },
    AWAITING_SIGN_OFF: {
      label: 'En attente de validation',
      text: "Votre proposition attend la validation du Home Office britannique et du ministère de l'Intérieur français. Les deux doivent l'approuver.",
    },
    APPROVED: {
      label: 'Approuvée',
      text: 'Votre proposition a été approuvée par les valideurs britannique et français. Les fonds sont en cours d’engagement ; un autre courriel vous le confirmera.',
    },
    FUNDED: {
      label: 'Financée',
      text: "Votre proposition est financée : les montants sont engagés sur les enveloppes des années du fonds, et l'investissement de l'année en cours est versé.",
    },
    COMPLETED: {
      label: 'Terminée',
      text: 'Votre proposition est terminée : chaque engagement a été versé.',
    },
    REJECTED: { label: 'Rejetée', text: "Votre proposition a été rejetée. Rien n'est engagé." },
    EXPIRED: {
      label: 'Expirée',
      text: "Votre proposition a expiré : aucune décision n'a été prise avant l'échéance. Rien n'est engagé ; vous pouvez la soumettre à nouveau.",
    },
    FUNDS_UNAVAILABLE: {
      label: 'Fonds indisponibles',
      text: "Votre proposition a été approuvée, mais l'enveloppe d'une année du fonds n'avait pas la place nécessaire ; rien n'a donc été engagé.",
    },
  },
  proposal: 'Proposition',
  reference: 'Référence',
  status: 'Statut',
  rejectedBy: (name: string) => `Rejetée par : ${name}.`,
  comment: 'Commentaire :',
  reason: (reason: string) => `Motif : ${reason}`,
  requested: (amount: string) => `Demandé : ${amount}`,
  committed: (amount: string) => `Engagé : ${amount}`,
  released: (amount: string) => `Versé maintenant : ${amount}`,
  rate: (rate: string) => `Montants en GBP à GBP ${rate} pour 1 EUR.`,
  follow: 'Où en est-elle (après connexion) :',
};

export const fundsEmail: typeof En.fundsEmail = {
  committedVerb: 'Fonds engagés',
  disbursedVerb: 'Fonds versés',
  proposal: 'Proposition',
  reference: 'Référence',
  fundYear: 'Année du fonds',
  amount: 'Montant',
  purpose: 'Objet',
  paymentReference: 'Référence de paiement',
  ledgerRecord:
    'Écriture du registre (séquence:empreinte ; GET /ledger/verify?witness= prouve qu’elle est intacte)',
  committedText: (amount: string, year: number) =>
    `${amount} ont été engagés pour cette proposition sur l'enveloppe de l'année ${year} du fonds.`,
  disbursedText: (amount: string, year: number) =>
    `${amount} ont été versés pour cette proposition depuis l'enveloppe de l'année ${year} du fonds.`,
  subjectTail: (year: number, amount: string) => `année ${year} du fonds, ${amount}`,
};

export const portal: typeof En.portal = {
  home: 'Accueil',
  intro:
    'En septembre 2014, la France et le Royaume-Uni sont convenus d’un fonds d’intervention conjoint pour la sûreté du port de Calais : une contribution britannique de 5 millions d’euros (4 millions de livres) par an pendant trois ans.',
  purposesIntro: 'Le fonds finance :',
  declaredPurposes: [
    'des clôtures robustes le long de la rocade d’accès à la zone publique du port ;',
    'la sûreté du parking situé à l’est du port, dont les coûts annuels de sûreté sont évalués chaque année ;',
    'des mesures de sûreté temporaires dans l’attente d’installations permanentes, avec l’accord du gestionnaire routier ;',
    'la protection, le soutien et l’assistance des personnes vulnérables, comme les victimes de la traite des êtres humains.',
  ],
  waysIn: 'Accès',
  portAuthority: 'Autorité portuaire',
  portAuthorityText: 'Soumettre des propositions et suivre où en est chacune.',
  finance: 'Finances',
  financeText: 'Enveloppes, versements, exports CSV et vérification du registre.',
  admin: 'Administration',
  adminText: 'Évaluations annuelles des coûts de sûreté : rapports et lancement.',
  approvers: 'Valideurs et gestionnaire routier',
  approversText:
    'Aucun compte n’est nécessaire : chaque demande arrive par courriel avec son propre lien, valable jusqu’à son échéance.',
  apiUsers: 'Utilisateurs de l’API',
  apiUsersText: 'L’API HTTP, décrite en OpenAPI 3.1.',
  apiDocs: 'Documentation de l’API',
  signIn: 'Se connecter',
  signOut: 'Se déconnecter',
  signedInAs: (name: string) => `Connecté en tant que ${name}`,
  devSignIn: 'Connexion (mode local)',
  devSignInText:
    'Le mode local n’a pas de mot de passe : choisissez le rôle à endosser. Sur AWS, c’est la page de connexion de Cognito.',
  role: 'Rôle',
  roles: { 'port-authority': 'Autorité portuaire', finance: 'Finances', admin: 'Administrateur' },
  needRole: 'Cette page n’est pas destinée à votre rôle.',
  signInFirst: 'Veuillez vous connecter pour voir cette page.',
  formExpired: 'Le formulaire avait expiré ou venait d’ailleurs ; rien n’a été modifié. Veuillez réessayer.',
  mainNav: 'Navigation principale',
  proposals: 'Propositions',
  newProposal: 'Nouvelle proposition',
  noProposals: 'Aucune proposition pour l’instant.',
  title: 'Titre',
  category: 'Catégorie',
  description: 'Description',
  contactEmail: 'Courriel de contact',
  status: 'Statut',
  submitted: 'Soumise le',
  total: 'Total',
  nextPage: 'Page suivante',
  firstPage: 'Première page',
  fundingLines: 'Lignes de financement',
  fundingLinesHint:
    'Une ligne par année du fonds et par objet ; laissez vides les lignes inutiles. Les coûts de fonctionnement concernent les années 2 et 3.',
  fundingLine: (n: number) => `Ligne de financement ${n}`,
  fundYear: 'Année du fonds',
  purpose: 'Objet',
  amount: 'Montant (EUR)',
  amountHint: 'En euros, comme vous les écrivez : 1 200 000,00 ou 1,200,000.00',
  amountError: 'Indiquez un montant en euros, par exemple 1 200 000,00 ou 1,200,000.00',
  choose: 'Choisir…',
  submit: 'Soumettre la proposition',
  problem: 'Il y a un problème',
  whereItStands: 'Où en est-elle',
  flow: 'Son circuit',
  flowTitle: 'Le circuit d’approbation, avec les étapes franchies',
  current: 'étape en cours',
  flowLegend:
    'Les cases remplies sont les étapes franchies ; les flèches épaisses les branches suivies ; la case foncée l’étape en cours (ou la dernière).',
  workflow: 'Circuit',
  signOffs: 'Validations',
  authority: 'Autorité',
  requested: 'Demandée le',
  deadline: 'Échéance',
  decided: 'Décidée le',
  comment: 'Commentaire',
  noSignOffs: 'Aucune validation demandée pour l’instant.',
  money: 'Montants',
  requestedFunding: 'Financement demandé',
  commitments: 'Engagements',
  disbursements: 'Versements',
  none: 'Aucun.',
  timeline: 'Chronologie',
  reference: 'Référence',
  paymentReference: 'Référence de paiement',
  statuses: {
    AWAITING_AGREEMENT: 'En attente de l’accord du gestionnaire routier',
    AWAITING_SIGN_OFF: 'En attente de validation (Royaume-Uni et France)',
    APPROVED: 'Approuvée',
    FUNDED: 'Financée',
    COMPLETED: 'Terminée',
    REJECTED: 'Rejetée',
    EXPIRED: 'Expirée',
    FUNDS_UNAVAILABLE: 'Fonds indisponibles',
    PENDING: 'En attente',
    WITHDRAWN: 'Retirée',
    COMMITTED: 'Engagé',
    RELEASED: 'Libéré',
    RUNNING: 'En cours',
    SUCCEEDED: 'Terminé',
    FAILED: 'En échec',
    TIMED_OUT: 'Délai dépassé',
    ABORTED: 'Interrompu',
  },
  events: {
    SUBMITTED: 'Soumise',
    STATUS_CHANGED: 'Changement de statut',
    SIGN_OFF_REQUESTED: 'Validation demandée',
    SIGN_OFF_REMINDER_SENT: 'Rappel envoyé',
    SIGN_OFF_ESCALATED_TO_DEPUTY: 'Transmise au suppléant',
    SIGN_OFF_APPROVED: 'Approuvée',
    SIGN_OFF_REJECTED: 'Rejetée',
    FUNDS_COMMITTED: 'Fonds engagés',
    COMMITMENT_RELEASED: 'Engagement libéré',
    FUNDS_DISBURSED: 'Fonds versés',
  },
  financeTitle: 'Finances',
  envelopes: 'Enveloppes par année du fonds',
  envelopeChart: (year: number) => `Année ${year} du fonds : plafond, engagé, versé, disponible`,
  cap: 'Plafond',
  committed: 'Engagé',
  disbursed: 'Versé',
  remaining: 'Disponible',
  filters: 'Filtres',
  from: 'Du (date)',
  to: 'Au (date)',
  proposalId: 'Référence de la proposition',
  limit: 'Lignes par page',
  any: 'Tous',
  apply: 'Appliquer',
  downloadCsv: 'Télécharger le CSV',
  date: 'Date',
  proposal: 'Proposition',
  selectionTotals: 'Totaux de la sélection',
  noDisbursements: 'Aucun versement ne correspond.',
  ledger: 'Vérification du registre',
  ledgerOk: (records: number) =>
    `Le registre est intact : ${records} enregistrement(s), chaque empreinte est vérifiée.`,
  ledgerBroken: 'Le registre NE se vérifie PAS : un enregistrement a été modifié, supprimé ou déplacé.',
  head: 'Tête',
  evaluations: 'Évaluations annuelles',
  evaluationOf: (year: number) => `Évaluation de l’année ${year} du fonds`,
  notStarted: 'Pas encore commencée.',
  start: 'Lancer l’évaluation',
  startReason:
    "Motif d'un lancement avant l'ouverture de l'évaluation (30 jours avant la fin de l'année du fonds), le cas échéant : inscrit au rapport",
  started: 'L’évaluation a commencé.',
  chartOf: (year: number) => `Évaluation de l’année ${year} du fonds : engagé, coût réel, tranche`,
  actualCost: 'Coût réel',
  tranche: 'Tranche',
  apiError: (status: number, message: string) => `La demande a été refusée (${status}) : ${message}`,
  notFound: 'Introuvable',
  notFoundText: 'Il n’y a rien à cette adresse, ou ce n’est pas à vous de le voir.',
};

export const decisions: typeof En.decisions = {
  heading: 'Décisions déjà prises :',
  approved: (road: boolean) => (road ? 'a donné son accord' : 'a approuvé'),
  rejected: (road: boolean) => (road ? "n'a pas donné son accord" : 'a rejeté'),
  deputy: ' (par le suppléant)',
  conditions: (road: boolean) => (road ? ', sous ces conditions : ' : ', avec ce commentaire : '),
  reason: ', pour ce motif : ',
  none: ', sans commentaire',
};

export const withdrawn: typeof En.withdrawn = {
  title: 'Demande retirée',
  rejected: (name: string) =>
    `Cette demande a été retirée car ${name} l'a rejetée : aucune décision n'est attendue de votre part.`,
  expired: (name: string) =>
    `Cette demande a été retirée car ${name} n'a pas répondu à temps : aucune décision n'est attendue de votre part.`,
  other:
    "Cette demande a été retirée : le sujet a été tranché par une autre autorité. Aucune décision n'est attendue de votre part.",
};

export const withdrawnEmail: typeof En.withdrawnEmail = {
  subject: 'Demande retirée',
  heading: (what: string) => `Demande retirée : ${what}`,
  rejected: (name: string) =>
    `Votre décision n'est plus attendue : la demande a été retirée car ${name} l'a rejetée.`,
  expired: (name: string) =>
    `Votre décision n'est plus attendue : la demande a été retirée car ${name} n'a pas répondu à temps.`,
  reason: 'Motif indiqué :',
  link: "Le lien reçu n'enregistre plus de décision. Où en est le dossier :",
};

export const authorityOutcomeEmail: typeof En.authorityOutcomeEmail = {
  subject: 'Issue',
  heading: (what: string) => `Issue : ${what}`,
  statuses: {
    FUNDED: 'Financée : les deux approbations sont données et les fonds engagés.',
    REJECTED: "Rejetée : rien n'est engagé.",
    EXPIRED: "Expirée : aucune décision à temps ; rien n'est engagé.",
    FUNDS_UNAVAILABLE:
      "Approuvée, mais l'enveloppe d'une année du fonds manquait de place : rien n'est engagé.",
  } as Record<string, string>,
  decisions: 'Décisions :',
  committed: 'Engagé :',
  reason: 'Motif :',
  link: 'Où en est le dossier :',
};

export const envelope: typeof En.envelope = {
  heading: 'Les enveloppes des années du fonds',
  fundYear: 'Année du fonds',
  cap: 'Plafond',
  committed: 'Engagé à ce jour',
  leftNow: 'Disponible à ce jour',
  thisProposal: 'Cette proposition',
  returned: "Rendu à l'approbation",
  leftAfter: "Disponible après l'approbation",
  short: (amount: string) => `il manque ${amount}`,
  noteProposal:
    "Rien n'est engagé avant l'approbation du Royaume-Uni et de la France ; l'enveloppe est vérifiée de nouveau à ce moment-là.",
  noteEvaluation:
    "À l'approbation, ce qui a été engagé pour les coûts de fonctionnement de chaque projet au-delà de sa tranche revient à cette enveloppe.",
  overWarning:
    "Cette proposition dépasse ce qui reste aujourd'hui dans une enveloppe : si elle est approuvée, elle sera marquée « fonds indisponibles » et rien ne sera engagé, sauf si de la place se libère d'ici là.",
};

export const receipt: typeof En.receipt = {
  subject: 'Objet',
  reference: 'Référence',
  decision: 'Décision',
  approved: (road: boolean): string => (road ? 'Accord donné' : 'Approuvé'),
  rejected: (road: boolean): string => (road ? 'Accord refusé' : 'Rejeté'),
  decidedBy: 'Décidé par',
  byDeputy: (name: string) => `${name}, par le suppléant`,
  decidedAt: 'Décidé le',
  comment: 'Commentaire',
  noComment: 'Aucun',
  reopened: "Une décision a déjà été enregistrée pour cette demande (ci-dessous) ; rien n'a été modifié.",
  next: "L'autorité portuaire et les autres valideurs sont informés par courriel dès que l'issue est connue.",
  noOtherDecision: "Aucune autre autorité n'a encore décidé.",
  notesHeading: "Les remarques de l'autorité portuaire jointes à ses déclarations de coûts",
};

export const outcomeDetails: typeof En.outcomeDetails = {
  status: (label: string, code: string) => `${label} (${code})`,
  unanswered: (names: string) => `Pas de décision à temps de : ${names}.`,
  shortfall: (year: number, left: string, asked: string) =>
    `Année ${year} du fonds : il reste ${left} dans son enveloppe, ${asked} demandés.`,
  committedHeading: 'Engagé, par année du fonds :',
  committedLine: (year: number, amount: string, left?: string) =>
    `Année ${year} du fonds : ${amount}${left === undefined ? '' : ` ; il reste ${left} dans l'enveloppe`}`,
  paidHeading: 'Versé maintenant :',
  paidLine: (year: number, purpose: string, amount: string, reference: string, witness: string) =>
    `Année ${year} du fonds, ${purpose} : ${amount} ; référence de paiement ${reference} ; écriture du registre ${witness}`,
  witnessNote:
    "Une écriture du registre s'écrit séquence:empreinte ; GET /ledger/verify?witness= prouve que le registre la contient toujours, intacte.",
  later:
    "Les années suivantes sont versées à leur ouverture, et les coûts de fonctionnement après l'évaluation de chaque année ; chaque versement est annoncé par courriel.",
  note: (note: string) => `Remarque de l'autorité portuaire : « ${note} »`,
};
