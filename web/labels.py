"""Names shown for the core's values (statuses, phases, kinds), as French message ids.

``N_`` only marks a text for extraction; templates translate with ``_(label)``.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    return message


class FilledText(str):
    """A French text with values (``"… supérieur ou égal à 3."``) that remembers its
    message id and values, so that a page in another language translates the message and
    fills it again (:func:`web.admin.page_texts.translated_map`, :mod:`web.refusals`).
    Anywhere else it is the French text it reads as."""

    message_id: str
    values: dict[str, Any]

    def __new__(cls, message_id: str, **values: Any) -> FilledText:
        made = super().__new__(cls, message_id % values)
        made.message_id = message_id
        made.values = values
        return made


def filled(message_id: str, **values: Any) -> FilledText:
    """``message_id`` (marked for the catalogue: call it with a literal) filled with
    ``values``; see :class:`FilledText`."""
    return FilledText(message_id, **values)


DIALOGUE_KINDS = {
    "ideas": N_("Boîte à idées"),
    "consultation": N_("Consultation"),
    "budget": N_("Budget participatif"),
    "questionnaire": N_("Questionnaire"),
}
PHASES = {
    "information": N_("Information"),
    "proposals": N_("Dépôt des propositions"),
    "review": N_("Analyse des propositions"),
    "vote": N_("Vote"),
    "results": N_("Résultats"),
}
STATUSES = {
    "draft": N_("Brouillon"),
    "published": N_("Publiée"),
    "under_review": N_("En cours d'analyse"),
    "accepted": N_("Retenue"),
    "refused": N_("Non retenue"),
    "winner": N_("Lauréate"),
}
SORTS = {
    "recent": N_("Les plus récentes"),
    "oldest": N_("Les plus anciennes"),
    "title": N_("Par titre"),
    "cost": N_("Par coût"),
}
VIEWS = {"grid": N_("Grille"), "list": N_("Liste"), "map": N_("Carte")}
STANCES = {"for": N_("Pour"), "against": N_("Contre")}

#: Messages shown after a redirect (``?notice=KEY``): only these keys are ever shown.
NOTICES = {
    "proposal_published": N_("Votre proposition est publiée. Merci pour votre participation !"),
    "proposal_saved": N_("Votre brouillon est enregistré. Publiez-le quand il sera prêt."),
    "proposal_updated": N_("Vos modifications sont enregistrées."),
    "comment_posted": N_("Votre commentaire est publié."),
    "comment_reported": N_("Merci, le commentaire a été signalé à l'équipe de modération."),
    "vote_cast": N_("Votre vote est enregistré."),
    "vote_withdrawn": N_("Votre vote est retiré."),
    "ballot_confirmed": N_("Votre bulletin est confirmé : il sera compté."),
    "ballot_unconfirmed": N_(
        "Votre bulletin repasse en brouillon : il ne compte plus tant que vous ne l'avez pas "
        "confirmé à nouveau."
    ),
    "language_changed": N_("La langue est changée."),
    "followed": N_("Vous suivez maintenant ceci : vous serez prévenu·e de ses nouvelles."),
    "unfollowed": N_("Vous ne suivez plus ceci."),
    "notifications_read": N_("Toutes vos notifications sont marquées comme lues."),
    "preferences_saved": N_("Vos choix de notifications sont enregistrés."),
    "verified": N_(
        "Votre compte est vérifié : vous pouvez voter dans les démarches réservées aux habitant·es."
    ),
    "birth_date_saved": N_("Votre date de naissance est enregistrée."),
    "postal_code_declared": N_(
        "Votre code postal est enregistré : vous pouvez voter dans les démarches qui acceptent "
        "cette vérification faible (les autres demandent la liste des habitant·es ou le guichet)."
    ),
}

#: Refusals of domain rules, by stable code, as citizens read them on pages.
ERRORS = {
    "auth.required": N_("Connectez-vous pour participer."),
    "notifications.invalid": N_("Ce choix de notifications n'est pas valide."),
    "notifications.link_invalid": N_(
        "Ce lien de désinscription n'est pas valide : gérez vos notifications depuis votre compte."
    ),
    "phase_closed": N_("Cette démarche n'est pas ouverte."),
    "proposals.phase_closed": N_("Le dépôt des propositions n'est pas ouvert."),
    "comments.not_public": N_("On ne peut commenter qu'une proposition publiée."),
    "forbidden": N_("Vous n'avez pas accès à cette action."),
    "proposal.locked": N_(
        "Cette proposition est en cours d'analyse et ne peut plus être modifiée."
    ),
    "vote.max_exceeded": N_("Vous avez déjà utilisé tous vos votes."),
    "vote.min_not_reached": N_("Votre bulletin n'a pas encore assez de votes pour être confirmé."),
    "vote.points_exceeded": N_("Vous n'avez pas assez de points pour cela."),
    "vote.budget_exceeded": N_("Ce choix dépasserait le budget disponible."),
    "vote.invalid_value": N_("Ce vote n'est pas valide."),
    "vote.phase_closed": N_("Le vote n'est pas ouvert."),
    "vote.not_allowed": N_("Vous ne pouvez pas voter dans cette démarche."),
    "vote.type_missing": N_(
        "Le module de vote de cette démarche n'est pas installé : le vote est indisponible."
    ),
    "vote.not_eligible": N_(
        "Ce vote est réservé aux personnes qui ont l'âge demandé : indiquez votre date de "
        "naissance, ou faites-la vérifier, sur la page « Vérifier mon compte »."
    ),
    "vote.verification_required": N_(
        "Ce vote est réservé aux habitant·es vérifié·es : faites vérifier votre compte pour voter."
    ),
    "vote.identity_already_voted": N_(
        "Vous avez déjà voté dans cette démarche avec un autre compte : une personne vote une fois."
    ),
    "verification.no_match": N_(
        "Ces informations ne correspondent à aucune ligne de la liste des habitant·es : "
        "vérifiez-les, ou faites-vous vérifier au guichet de la mairie."
    ),
    "verification.unavailable": N_("La vérification n'est pas proposée ici."),
    "verification.sms_not_sent": N_("Le SMS n'a pas pu être envoyé : réessayez plus tard."),
    "rate_limited": N_("Trop de demandes : réessayez dans un moment."),
}

#: Refusals whose message depends on their ``reason`` (in the refusal's ``extra``): a
#: ``(code, reason)`` here is said instead of the code's message in :data:`ERRORS`.
REASONS = {
    ("vote.not_eligible", "envelope"): N_(
        "Chacun·e vote pour les projets de son secteur et de toute la ville : ce projet est "
        "dans l'enveloppe d'un autre secteur. Le secteur se lit au code postal de votre "
        "compte."
    ),
}

#: General messages of refusal codes whose detail says more than a page needs or is not
#: in the catalogue: a reader of another language than French gets this rather than a
#: detail in French (``web.refusals``). ``validation`` keeps its detail: it names fields.
CODE_MESSAGES = {
    "not_found": N_("Cette ressource n'existe pas."),
    "forbidden": N_("Vous n'avez pas accès à cette action."),
    "conflict": N_("Cette action est en conflit avec l'état actuel des données."),
    "method_not_allowed": N_("Cette méthode n'est pas acceptée à cette adresse."),
    "too_large": N_("La requête est trop volumineuse."),
    "unsupported_media_type": N_("Ce type de contenu n'est pas accepté."),
    "internal": N_("Erreur interne du serveur."),
    "unavailable": N_(
        "Le service est momentanément indisponible ; réessayez dans quelques instants."
    ),
    "error": N_("La demande n'a pas pu aboutir."),
    "account.staff": N_(
        "Ce compte fait partie de l'équipe : retirez-lui son rôle avant de le supprimer."
    ),
    "auth.email_domain_refused": N_("Les adresses de ce domaine ne sont pas acceptées ici."),
    "auth.invalid_token": N_("Jeton inconnu, révoqué ou mal transmis."),
    "census.columns": N_("Des colonnes attendues manquent dans la liste des habitant·es."),
    "census.invalid_line": N_("Une ligne de la liste des habitant·es ne peut pas être lue."),
    "census.too_large": N_("La liste des habitant·es est trop longue."),
    "csrf.invalid": N_("Le formulaire a expiré : rechargez la page et réessayez."),
    "dialogue.slug_taken": N_("Une démarche a déjà cette adresse."),
    "dialogue.has_participation": N_(
        "Des personnes ont déjà participé à cette démarche : elle ne peut plus repasser en "
        "brouillon."
    ),
    "export.link_expired": N_("Ce lien de téléchargement a expiré : demandez-en un nouveau."),
    "export.link_invalid": N_("Ce lien de téléchargement n'est pas valide."),
    "export.link_not_yours": N_("Ce lien de téléchargement a été fait pour une autre personne."),
    "group.exists": N_("Un groupe de ce nom existe déjà."),
    "migration": N_("Cette migration ne peut pas être faite comme demandé."),
    "letter_codes.unknown_batch": N_("Aucun code inutilisé dans ce lot."),
    "module.in_use": N_("Ce module est utilisé par cette démarche : il ne peut pas être retiré."),
    "module.unknown": N_("Ce module n'existe pas ou n'est pas ouvert à cette organisation."),
    "organisation.exists": N_("Une organisation a déjà cet identifiant."),
    "organisation.unknown": N_("Aucune organisation ne répond à cette adresse."),
    "pabulib.unsupported": N_("Les votes de cette démarche n'ont pas de forme Pabulib."),
    "proposal.frozen": N_("Le vote est ouvert : cette proposition ne peut plus être modifiée."),
    "proposal.not_candidate": N_("Cette proposition n'est pas soumise au vote."),
    "proposal.not_draft": N_("Cette proposition est déjà publiée."),
    "proposal.not_mergeable": N_("Ces propositions ne peuvent pas être fusionnées."),
    "questionnaire.already_answered": N_("Vous avez déjà répondu à ce questionnaire."),
    "questionnaire.frozen": N_(
        "Des réponses ont été données : seule la formulation des questions peut encore changer."
    ),
    "questionnaire.no_response": N_("Vous n'avez pas encore répondu à ce questionnaire."),
    "questionnaire.not_ready": N_(
        "Ce questionnaire est en préparation : ses questions ne sont pas encore publiées."
    ),
    "questionnaire.not_editable": N_(
        "Les réponses à ce questionnaire ne peuvent plus être modifiées."
    ),
    "results.hidden": N_("Les résultats ne sont pas encore publiés."),
    "results.no_rules": N_("Aucune autre règle ne s'applique aux votes de cette démarche."),
    "upload.empty": N_("Le fichier est vide."),
    "upload.not_an_image": N_("Ce fichier n'est pas une image (JPEG, PNG, WebP ou GIF)."),
    "upload.refused": N_("Ce fichier n'est pas accepté."),
    "upload.too_large": N_("Le fichier est trop volumineux."),
    "upload.unsupported": N_("Format non accepté : envoyez une image ou un PDF."),
    "verification.no_account": N_("Aucun compte n'a cette adresse."),
    "desk.not_enabled": N_("Le vote assisté au guichet n'est pas ouvert dans cette démarche."),
    "vote.config_frozen": N_(
        "Le vote est ouvert ou a déjà des bulletins : ce qui décide du vote ne peut plus changer."
    ),
    "vote.not_configured": N_("Cette démarche ne comporte pas de vote."),
    "vote.not_in_vote": N_("Cette proposition ne fait pas partie du vote."),
}

#: Default titles of the built-in blocks (core.defaults.block_types), for translation.
BLOCK_TITLES = (N_("Actualités"), N_("Propositions à la une"))

#: Messages of the core's field types and uploads that pages show as they are.
CORE_MESSAGES = (
    N_("un texte est attendu"),
    N_("un nombre est attendu"),
    N_("choisissez une des options proposées"),
    N_("valeur de case à cocher invalide"),
    N_("un code postal à cinq chiffres est attendu"),
    N_("fichier invalide"),
    N_("Le fichier dépasse 5 Mo."),
    N_("Le fichier est vide."),
    N_("Ce fichier n'est pas une image (JPEG, PNG, WebP ou GIF)."),
    N_("Cette image est trop grande."),
    N_("Format non accepté : envoyez une image ou un PDF."),
    N_("Choisissez « pour » ou « contre »."),
    N_("Écrivez votre commentaire."),
)


#: The RGAA conformity an accessibility statement declares (the footer says it too).
CONFORMITY = {
    "none": N_("non conforme"),
    "partial": N_("partiellement conforme"),
    "total": N_("totalement conforme"),
}
