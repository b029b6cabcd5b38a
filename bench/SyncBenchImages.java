import java.net.URI;
import org.ecrreplicator.engines.SampleImages;

/**
 * Pushes the sync benchmark's source set: REPOSITORIES repositories bench/rNN with TAGS tags each, small
 * layers. Every third tag is a two-platform OCI index (with an attestation), the rest single-platform
 * images; tag t0 of every repository is one of four shared images, so those repositories share their layers
 * (a registry keeps one copy of each blob, but every repository still needs it). Prints the tag count.
 *
 * <p>Run as a single-file program: java -cp local-engines/target/classes bench/SyncBenchImages.java BASE_URL
 * REPOSITORIES TAGS LAYER_BYTES
 */
public class SyncBenchImages {
    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        int repositories = Integer.parseInt(args[1]);
        int tags = Integer.parseInt(args[2]);
        long layerBytes = Long.parseLong(args[3]);
        SampleImages.Target target = SampleImages.Target.anonymous(base);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        var pushes = new java.util.ArrayList<java.util.concurrent.Future<?>>();
        for (int r = 0; r < repositories; r++) {
            String repository = String.format("bench/r%02d", r);
            for (int t = 0; t < tags; t++) {
                long seed = t == 0 ? 1000 + r % 4 : 10_000 + r * 100L + t;
                boolean index = (r + t) % 3 == 0;
                String tag = "t" + t;
                pushes.add(pool.submit(() -> {
                    SampleImages images = SampleImages.seed(seed).layers(2, layerBytes);
                    return index
                            ? images.pushOciIndex(target, repository, tag)
                            : images.pushOciImage(target, repository, tag);
                }));
            }
        }
        for (var push : pushes) {
            push.get();
        }
        pool.shutdown();
        System.out.println(pushes.size());
    }
}
