/** Every user-facing sentence in French, in the shape of `en.ts` (see there). */
import { REFERENCE_RATE } from '../../domain/money.ts';
import type { Copy } from './en.ts';

export const fr: Copy = {
  service: {
    name: "Fonds d'intervention conjoint pour la sûreté du port de Calais",
    languageNav: 'Langue',
    switchTo: 'English version',
    rateNote: `Montants en GBP au taux de référence du fonds : GBP ${REFERENCE_RATE.gbpPerEur} pour 1 EUR.`,
  },
  purposes: {
    INVESTMENT: 'Investissement',
    RUNNING_COST: 'Coûts annuels de fonctionnement (sûreté)',
  },
  approval: {
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
    decision: 'Votre décision',
    comment: 'Commentaire (facultatif ; communiqué aux autres parties, utile surtout en cas de rejet)',
    approve: 'Approuver (Approve)',
    reject: 'Rejeter (Reject)',
    formNote:
      "Rien n'est décidé tant que vous n'avez pas appuyé sur l'un de ces boutons. Vous ne pouvez décider qu'une fois.",
  },
  messages: {
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
  },
  costReportForm: {
    heading: (year: number) => `Coût annuel de sûreté, année ${year} du fonds`,
    intro: (year: number) =>
      `Merci de déclarer le coût réel de sûreté de ce projet pour l'ensemble de l'année ${year} du fonds. Le fonds verse la tranche de coûts de fonctionnement de l'année ${year + 1} dans la limite du plus faible du montant engagé et du coût déclaré, après validation de l'évaluation par le Royaume-Uni et la France.`,
    project: 'Projet',
    reference: 'Référence',
    fundYear: 'Année du fonds déclarée',
    committed: (year: number) => `Engagé pour l'année ${year} du fonds (coûts de fonctionnement)`,
    dueBy: 'À déclarer avant le',
    amountLabel: (year: number) => `Coût réel de sûreté de l'année ${year} du fonds, en euros`,
    amountHint: 'Euros et centimes, sans espace ni symbole monétaire, par exemple 148250.00',
    noteLabel: 'Note (facultative) : ce que les valideurs devraient savoir de ce coût',
    submit: 'Envoyer la déclaration',
    formNote:
      "Rien n'est enregistré tant que vous n'avez pas appuyé sur le bouton. Vous ne pouvez déclarer qu'une fois.",
    problem: 'Il y a un problème',
    amountError: 'Indiquez le coût réel en euros et centimes, par exemple 148250.00',
    noteError: (max: number) => `La note doit faire au plus ${max} caractères`,
  },
  costReportMessages: {
    ALREADY_SUBMITTED: {
      title: 'Déjà déclaré',
      message: "Un coût a déjà été déclaré pour ce projet et cette année ; rien n'a été modifié.",
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
  },
  costReportReceived: {
    title: 'Déclaration enregistrée',
    message: (amount: string, year: number, title: string) =>
      `Merci : le coût de ${amount} pour l'année ${year} du fonds est enregistré pour « ${title} ». La tranche de l'année ${year + 1} sera fixée après validation de l'évaluation par le Royaume-Uni et la France. Vous pouvez fermer cette page.`,
  },
  evaluationReport: {
    title: (year: number) => `Évaluation annuelle des coûts de sûreté, année ${year} du fonds`,
    statuses: {
      COLLECTING_REPORTS: 'Collecte des déclarations de coûts',
      AWAITING_SIGN_OFF: 'En attente de validation (Royaume-Uni et France)',
      APPROVED: 'Approuvée ; tranches versées',
      REJECTED: 'Rejetée ; rien n’est versé',
      EXPIRED: 'Expirée sans décision ; rien n’est versé',
      NO_PROJECTS: 'Aucun projet à évaluer',
      PENDING: 'En attente',
      SUBMITTED: 'Déclaré',
      WITHDRAWN: 'Retiré',
    },
    notReported: 'Non déclaré',
    noLines:
      'Pas encore de lignes : elles sont fixées une fois toutes les déclarations reçues (ou leur délai dépassé).',
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
      `Montants en GBP au taux de référence du fonds : GBP ${rate} pour 1 EUR. Tranche = le plus faible du montant engagé et du coût réel déclaré ; sans déclaration, pas de tranche.`,
  },
  signOffEmail: {
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
    notReported: 'non déclaré à temps (sans déclaration, pas de tranche)',
    evaluationLine: (name: string, funded: string, actual: string, next: string) =>
      `${name} : financé ${funded} ; réel ${actual} ; tranche de l'année suivante ${next}`,
    open: (until: string) =>
      `Pour approuver ou rejeter, ouvrez ce lien (valable jusqu'au ${until}). L'ouvrir ne décide rien : la page affiche le détail et vous demande de confirmer.`,
    personal: 'Ce lien est propre à votre autorité : merci de ne pas le transférer.',
  },
  costReportEmail: {
    subject: (year: number) => `Coût annuel de sûreté, année ${year} du fonds`,
    heading: (year: number) => `Déclaration du coût annuel de sûreté, année ${year} du fonds`,
    intro: (year: number) =>
      `Le fonds évalue chaque année les coûts de sûreté. Merci de déclarer le coût annuel réel de sûreté de ce projet pour l'année ${year} du fonds. La tranche de coûts de fonctionnement de l'année ${year + 1} sera le plus faible du montant engagé et du coût déclaré, après validation par le Royaume-Uni et la France.`,
    proposal: 'Projet',
    reference: 'Référence',
    committed: (year: number) => `Engagé pour l'année ${year} (coûts de fonctionnement)`,
    open: (until: string) =>
      `Pour déclarer le coût, ouvrez ce lien (à utiliser avant le ${until}). Sans déclaration à temps, aucune tranche n'est versée.`,
    personal: 'Ce lien est propre à ce projet : merci de ne pas le transférer.',
  },
  outcomeEmail: {
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
  },
  fundsEmail: {
    committedVerb: 'Fonds engagés',
    disbursedVerb: 'Fonds versés',
    proposal: 'Proposition',
    reference: 'Référence',
    fundYear: 'Année du fonds',
    amount: 'Montant',
    purpose: 'Objet',
    paymentReference: 'Référence de paiement',
    committedText: (amount: string, year: number) =>
      `${amount} ont été engagés pour cette proposition sur l'enveloppe de l'année ${year} du fonds.`,
    disbursedText: (amount: string, year: number) =>
      `${amount} ont été versés pour cette proposition depuis l'enveloppe de l'année ${year} du fonds.`,
    subjectTail: (year: number, amount: string) => `année ${year} du fonds, ${amount}`,
  },
};
