import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Runs each argument as a Spark SQL statement, in a local Spark session of one core, and prints each statement's rows
 * as JSON lines: {@code @@row <json>}, then {@code @@end <n>} after the n-th statement's rows. The session's settings
 * (the catalog, for one) come as {@code -Dspark.*} system properties, which Spark reads itself. Run from source by
 * {@code testsupport.SparkSql}, on the classpath the build resolves with {@code pom.xml} beside this file.
 */
public final class SparkSql {
    public static void main(String[] statements) {
        SparkSession spark = SparkSession.builder()
                .master("local[1]")
                .appName("dynamo-lake reader")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "1")
                .getOrCreate();
        try {
            for (int i = 0; i < statements.length; i++) {
                List<String> rows = spark.sql(statements[i]).toJSON().collectAsList();
                for (String row : rows) {
                    System.out.println("@@row " + row);
                }
                System.out.println("@@end " + i);
            }
        } finally {
            spark.stop();
        }
    }
}
