"""Stop lists for the distinctive-word lists of ``framing compare``, in English and Russian.

Words here never appear in those lists: function words in all their common
forms (Russian inflects them, so «который» alone misses «котором») and the
boilerplate of news copy (dates, datelines, agency names, "video", reporting
verbs), which set outlets apart without saying anything about framing.
The model's features use their own, shorter list (:data:`framing.core.text.STOP_WORDS`):
this one is for reading comparisons only, so changing it changes no score.

Words are in the folded form :func:`framing.core.text.tokenize` makes (lower case,
ё as е).
"""

from __future__ import annotations

from ..core.text import STOP_WORDS as FEATURE_STOP_WORDS

__all__ = ["ENGLISH", "RUSSIAN", "STOP_WORDS"]

ENGLISH = frozenset(
    """a about above after again against all almost along already also although always am among an and
    another any anyone anything are around as at away back be became because become been before being
    below between both but by can cannot could did do does doing done down during each either else enough
    etc even ever every few for from further get gets getting got had has have having he her here hers
    herself him himself his how however i if in including into is it its itself just last least less like
    made make makes many may me might mine more most much must my myself near neither never new next no
    nor not now of off often on once one only onto or other others our ours ourselves out over own per
    perhaps quite rather really same several shall she should since so some something still such than
    that the their theirs them themselves then there these they this those though through thus to
    together too toward towards under until up upon us very via was we well were what whatever when
    where whether which while who whoever whom whose why will with within without would yet you your
    yours yourself yourselves
    s t d ll m re ve don doesn didn isn wasn weren aren hasn haven hadn won wouldn couldn shouldn
    said says say saying told tell tells according added adding asked noted stated reported reports
    reporting statement spokesman spokeswoman spokesperson
    year years month months week weeks day days today yesterday tomorrow time times
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    video videos photo photos image images picture pictures watch read click subscribe newsletter
    copyright rights reserved updated published caption file getty
    reuters ap afp bloomberg
    mr mrs ms dr percent cent per first second third two three four five six seven eight nine ten
    hundred thousand million billion""".split()
)

RUSSIAN = frozenset(
    """а без более больше будем будет будете будешь буду будут будучи бы был была были было быть в вам
    вас весь во вот все всего всей всем всеми всему всех всею всея всю вся всё второй вы где да даже
    для до его ее её ей ему если есть еще ещё же за здесь и из или им ими их к как какая какие каким
    какими какое какой каких кем когда кого ко который которая которое которой котором которому
    которую которые которым которыми которых которого кто куда ли либо между меня мне много может
    можно мой моя мы на над надо наш не него нее неё ней нельзя нем нём нему нет ни ним ними них
    но ну о об однако он она они оно от очень по под после потому почти при про с сам сама сами
    само самого самой самом самому саму свое своё своей своем своём своему свои своих своим своими
    свой своя себе себя сейчас со также так такая такие таким такими такое такой таких там те
    тебя тем теми тех то тобой тогда того тоже той только том тому ту тут ты у уже хотя чего чей
    чем через что чтобы чье чья эта эти этим этими этих это этого этой этом этому этот эту я
    ранее сегодня вчера завтра пока около вместе является являются стало стал стала стали
    год года году годом годы годах лет месяц месяца неделе неделю день дня дней числа время время
    января февраля марта апреля мая июня июля августа сентября октября ноября декабря
    понедельник вторник среду четверг пятницу субботу воскресенье
    заявил заявила заявили заявление сообщил сообщила сообщили сообщает сообщается сообщение
    сказал сказала сказали говорит говорится отметил отметила отметили добавил добавила
    передает передаёт пишет пишут словам слова рассказал рассказала уточнил уточнила
    видео фото фотографии смотрите читайте подписывайтесь источник источники
    риа тасс интерфакс рбк корреспондент
    г гг тыс млн млрд руб долл процентов процента процент
    один одна одно два две три четыре пять первый первая первое""".split()
)

STOP_WORDS = frozenset(FEATURE_STOP_WORDS | ENGLISH | RUSSIAN)
