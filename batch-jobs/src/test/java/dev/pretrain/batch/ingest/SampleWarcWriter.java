package dev.pretrain.batch.ingest;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.netpreserve.jwarc.HttpRequest;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcRequest;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;
import org.netpreserve.jwarc.Warcinfo;

/**
 * Writes a small sample crawl for end-to-end runs: a {@code .warc.gz} with a warcinfo record, then a
 * request and a response for each of eight English web pages (sites of several kinds, each with its
 * navigation, sidebar and footer around the article) and one plain-text robots.txt. Every text was
 * written for this sample; the sites are fictional ({@code .example} domains). The file's bytes are the
 * same on every run (fixed record ids and dates).
 *
 * <p>Usage: {@code SampleWarcWriter <out.warc.gz>}
 */
public final class SampleWarcWriter {

  private static final Instant START = Instant.parse("2024-06-03T08:00:00Z");

  private record Page(String url, String site, String title, String article) {}

  private SampleWarcWriter() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1 || !args[0].endsWith(".warc.gz")) {
      System.err.println("usage: SampleWarcWriter <out.warc.gz>");
      System.exit(2);
    }
    Path out = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(out.getParent());
    int n = 0;
    try (WarcWriter w = new WarcWriter(Files.newByteChannel(out, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE),
        WarcCompression.GZIP)) {
      Map<String, List<String>> info = new LinkedHashMap<>();
      info.put("software", List.of("pretrain SampleWarcWriter"));
      info.put("format", List.of("WARC File Format 1.1"));
      info.put("description", List.of("sample crawl of fictional sites, texts written for the pretrain project"));
      w.write(new Warcinfo.Builder().recordId(id(++n)).date(START).filename(out.getFileName().toString())
          .fields(info).build());
      int minute = 0;
      for (Page p : pages()) {
        Instant at = START.plusSeconds(60L * ++minute);
        w.write(request(++n, p.url(), at));
        byte[] html = page(p).getBytes(StandardCharsets.UTF_8);
        HttpResponse http = new HttpResponse.Builder(200, "OK")
            .addHeader("Server", "nginx")
            .body(MediaType.parse("text/html; charset=utf-8"), html).build();
        w.write(new WarcResponse.Builder(p.url()).recordId(id(++n)).date(at).body(http).build());
      }
      String robots = "User-agent: *\nDisallow: /admin/\nDisallow: /cart/\n\n"
          + "# Friendly crawlers are welcome. Please keep to one request per second.\n";
      Instant at = START.plusSeconds(60L * ++minute);
      w.write(request(++n, "https://greenleaf-gardening.example/robots.txt", at));
      w.write(new WarcResponse.Builder("https://greenleaf-gardening.example/robots.txt").recordId(id(++n)).date(at)
          .body(new HttpResponse.Builder(200, "OK").body(MediaType.parse("text/plain"),
              robots.getBytes(StandardCharsets.UTF_8)).build()).build());
    }
    System.out.println("wrote " + out + " (" + Files.size(out) + " bytes, " + n + " WARC records)");
  }

  private static URI id(int n) {
    return URI.create(String.format("urn:uuid:5a3e0000-0000-4000-8000-%012d", n));
  }

  private static WarcRequest request(int n, String url, Instant at) throws IOException {
    URI u = URI.create(url);
    HttpRequest http = new HttpRequest.Builder("GET", u.getRawPath()).addHeader("Host", u.getHost())
        .addHeader("User-Agent", "pretrain-sample/1.0").build();
    return new WarcRequest.Builder(url).recordId(id(n)).date(at).body(http).build();
  }

  /** The page as its site would serve it: boilerplate around the article. */
  private static String page(Page p) {
    String host = URI.create(p.url()).getHost();
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + p.title() + " | " + p.site()
        + "</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n"
        + "<script>window.dataLayer = window.dataLayer || []; function track(e) { dataLayer.push(e); }</script>\n"
        + "</head><body>\n<div class=\"cookie-banner\">We use cookies to remember your preferences."
        + " <button>Accept</button></div>\n"
        + "<header class=\"site-header\"><a class=\"logo\" href=\"/\">" + p.site() + "</a>"
        + "<form class=\"search\" action=\"/search\"><input name=\"q\" placeholder=\"Search\"></form></header>\n"
        + "<nav class=\"main-nav\"><ul><li><a href=\"/\">Home</a></li><li><a href=\"/topics\">Topics</a></li>"
        + "<li><a href=\"/about\">About</a></li><li><a href=\"/contact\">Contact</a></li></ul></nav>\n"
        + "<div class=\"container\">\n<main>\n<article>\n<h1>" + p.title() + "</h1>\n" + p.article()
        + "\n</article>\n</main>\n"
        + "<aside class=\"sidebar\"><h3>Most read</h3><ul><li><a href=\"/popular/1\">Our ten most asked questions</a>"
        + "</li><li><a href=\"/popular/2\">A beginner's reading list</a></li></ul>"
        + "<div class=\"newsletter\"><p>Get new articles by email.</p><form><input type=\"email\"></form></div>"
        + "</aside>\n</div>\n"
        + "<footer class=\"site-footer\"><p>&copy; 2024 " + p.site() + ". All rights reserved.</p>"
        + "<p><a href=\"/privacy\">Privacy</a> &middot; <a href=\"/terms\">Terms</a> &middot; <a href=\"https://"
        + host + "/feed.xml\">RSS</a></p></footer>\n</body></html>\n";
  }

  private static List<Page> pages() {
    return List.of(
        new Page("https://greenleaf-gardening.example/guides/starting-a-compost-heap", "Greenleaf Gardening",
            "Starting a Compost Heap in a Small Garden", """
            <p class="byline">By Maren Holt &middot; 12 min read</p>
            <p>A compost heap turns kitchen scraps and garden trimmings into a dark, crumbly soil improver, and it
            needs far less space than most people expect. A corner of about one square metre is enough for a
            household of three or four.</p>
            <h2>Greens and browns</h2>
            <p>Everything you add falls into one of two groups. Greens are moist and rich in nitrogen: vegetable
            peelings, coffee grounds, fresh grass clippings. Browns are dry and rich in carbon: cardboard, fallen
            leaves, straw and woody prunings cut into short pieces. Aim for roughly equal volumes of each.</p>
            <p>A heap with too many greens turns slimy and starts to smell; one with too many browns simply sits
            there. If in doubt, add a layer of torn cardboard after every bucket of kitchen waste.</p>
            <h2>Keeping it working</h2>
            <p>Turn the heap with a garden fork every three or four weeks to let air in, and keep it about as damp
            as a wrung-out sponge. In summer the middle of a healthy heap feels warm to the hand.</p>
            <ul><li>Do add: fruit and vegetable scraps, tea leaves, eggshells, shredded paper.</li>
            <li>Do not add: meat, fish, dairy, cooked food or dog waste.</li></ul>
            <p>Depending on the weather, the compost is ready in six to twelve months. It should smell of damp
            earth, and you should no longer be able to tell what went into it.</p>"""),
        new Page("https://riverside-cycles.example/blog/cleaning-your-chain", "Riverside Cycles",
            "How to Clean and Lubricate a Bicycle Chain", """
            <p>A clean chain shifts more smoothly, runs more quietly and lasts longer. If your chain looks black
            and gritty, or squeaks on every turn of the pedals, it is time for a clean.</p>
            <h2>What you need</h2>
            <p>An old toothbrush, a few rags, a bucket of warm water with a little washing-up liquid, and a bottle
            of chain lubricant. A degreaser helps with very dirty chains but is not essential.</p>
            <h2>Step by step</h2>
            <ol><li>Shift into the smallest rear cog so the chain sits loosely.</li>
            <li>Hold a rag around the lower run of the chain and turn the pedals backwards for a minute.</li>
            <li>Scrub the side plates and rollers with the brush and soapy water, then rinse and dry well.</li>
            <li>Apply one drop of lubricant to each roller while turning the pedals slowly.</li>
            <li>Wait five minutes, then wipe off the excess: oil left on the outside only collects dirt.</li></ol>
            <p>Riders who commute through winter should repeat this every two weeks; in dry weather once a month
            is usually plenty. While you are at it, check the chain for wear with a chain checker tool.</p>"""),
        new Page("https://northbay-herald.example/news/2024/05/library-reopens", "Northbay Herald",
            "Central Library Reopens After Eighteen-Month Renovation", """
            <p class="dateline">Published 28 May 2024</p>
            <p>The Northbay Central Library reopened its doors on Saturday after a renovation that took eighteen
            months and cost the city 6.4 million dollars, slightly less than the council had budgeted.</p>
            <p>Visitors queued from early morning to see the new reading room on the top floor, which now has
            windows along its whole length and seats for 120 people. The children's section has moved to the
            ground floor, next to a small garden where story hours will be held in summer.</p>
            <p>"We wanted a building where people are happy to spend an afternoon, not only to borrow a book and
            leave," said head librarian Tomas Ferreira. The library has also added twelve bookable study rooms and
            a workshop with two 3D printers and a sewing machine.</p>
            <p>Opening hours are extended to 9 p.m. on weekdays. Library cards issued before the renovation remain
            valid, and overdue fines for the closure period have been cancelled.</p>"""),
        new Page("https://keystroke-journal.example/posts/learning-to-touch-type", "The Keystroke Journal",
            "What I Learned From Learning to Touch Type at Forty", """
            <p>For twenty years I typed with four fingers and a lot of looking down. I was not slow, exactly, but
            long emails left my neck stiff, and I could never look at the screen and the keyboard at once.</p>
            <p>Last winter I decided to learn properly. The first week was humbling: my speed dropped from about
            fifty words a minute to twelve, and every sentence felt like walking through sand.</p>
            <p>Three things helped. First, short sessions: fifteen minutes twice a day worked far better than an
            hour on Sunday. Second, I covered my hands with a tea towel, which sounds silly but stopped me
            cheating. Third, I typed real text from books I liked instead of random drills.</p>
            <p>After two months I was back to fifty words a minute, and after four I passed seventy. The bigger
            change is that typing no longer takes any attention. I think about what I want to say, and it
            appears.</p>"""),
        new Page("https://support.homeclimate.example/thermostat/faq", "HomeClimate Support",
            "Smart Thermostat T200: Frequently Asked Questions", """
            <h2>Why does the display show a different temperature from my other thermometer?</h2>
            <p>The T200 measures the air around the unit itself. If it is mounted near a radiator, a window or in
            direct sunlight, its reading can differ by one or two degrees. Mount it on an inside wall at about
            1.5 metres above the floor.</p>
            <h2>How long do the batteries last?</h2>
            <p>Two AA batteries usually last twelve to eighteen months. A battery symbol appears on the display
            about four weeks before they run out, and the app sends a reminder.</p>
            <h2>Can I set a different schedule for weekends?</h2>
            <p>Yes. In the app, open Schedule, tap Weekdays and choose Split days. You can then set up to six
            temperature changes for each day of the week.</p>
            <h2>What happens during a power or internet outage?</h2>
            <p>The thermostat keeps following its last saved schedule. Changes made in the app while it is
            offline are applied as soon as the connection returns.</p>"""),
        new Page("https://wanderlines.example/guides/porthaven-weekend", "Wanderlines",
            "A Weekend in Porthaven: A Slow Guide to the Coast", """
            <p>Porthaven is a fishing town of some four thousand people, built around a harbour that empties at
            low tide and leaves the boats leaning on their keels in the mud. It is a good place to do very
            little for two days.</p>
            <h2>Saturday</h2>
            <p>Start with breakfast at the harbour bakery, which opens at seven and sells out of cinnamon buns by
            nine. Then walk the cliff path east to the old coastguard lookout; the round trip is about eight
            kilometres and takes three hours at an easy pace. Bring a jacket, since the wind on the headland is
            stronger than it looks from town.</p>
            <h2>Sunday</h2>
            <p>The Sunday market fills the square from ten until two, with local cheese, smoked fish and
            second-hand books. In the afternoon, take the small ferry across the estuary to the sand dunes,
            where seals often rest on the bank at low tide.</p>
            <p>Getting there: the nearest train station is at Caldbridge, forty minutes away by the hourly bus.
            Book accommodation early for summer weekends.</p>"""),
        new Page("https://brightpath-learning.example/science/how-lighthouses-work", "BrightPath Learning",
            "How Lighthouses Work", """
            <p>A lighthouse has one job: to tell sailors where they are, at night and in bad weather, so that
            they can steer clear of rocks and find the way into harbour.</p>
            <h2>The light</h2>
            <p>Early lighthouses burned wood or coal in open fires, and later oil lamps with polished reflectors.
            The big step forward was the Fresnel lens, made of rings of glass prisms that bend the light from a
            single lamp into a narrow, powerful beam that can be seen more than thirty kilometres away.</p>
            <h2>Telling lighthouses apart</h2>
            <p>Each lighthouse along a coast has its own pattern, called its character: for example, two white
            flashes every ten seconds, or a steady red light. Sailors look up the pattern on their chart to know
            exactly which lighthouse they are seeing. In daylight, the tower's shape and painted bands do the
            same job.</p>
            <p>Today most lighthouses are automatic and run on electricity, often with solar panels, and no
            keeper lives on site. Satellite navigation has not made them obsolete: a light is still the simplest
            backup when electronics fail.</p>"""),
        new Page("https://flourandember.example/recipes/weeknight-lentil-soup", "Flour & Ember",
            "Weeknight Red Lentil Soup", """
            <p>This soup takes thirty minutes from chopping board to bowl and uses things most kitchens already
            have. It serves four and keeps well in the fridge for three days.</p>
            <h2>Ingredients</h2>
            <ul><li>1 onion, 2 carrots and 2 cloves of garlic, chopped</li>
            <li>2 tablespoons of olive oil</li><li>1 teaspoon each of ground cumin and smoked paprika</li>
            <li>200 g red lentils, rinsed</li><li>1 tin of chopped tomatoes</li>
            <li>1 litre of vegetable stock</li><li>Juice of half a lemon</li></ul>
            <h2>Method</h2>
            <p>Soften the onion and carrots in the oil over a medium heat for eight minutes, then add the garlic
            and spices and stir for one minute more. Add the lentils, tomatoes and stock, bring to the boil and
            simmer for twenty minutes, until the lentils have fallen apart.</p>
            <p>Blend half of the soup and stir it back in for a thick but not smooth texture. Season with salt,
            pepper and the lemon juice just before serving.</p>"""));
  }
}
