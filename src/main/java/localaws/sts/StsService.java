package localaws.sts;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import localaws.http.AwsQueryService;
import localaws.http.AwsServiceException;

/**
 * STS's AssumeRole, as the AWS SDK's StsAssumeRoleCredentialsProvider calls it (the Query protocol: a form POST
 * answered in XML). Every role can be assumed by anyone (the emulator checks no trust policy); what it keeps is
 * which temporary access key belongs to which role, so that tests can tell which side of the application made a
 * call from the credentials it signed with.
 */
public final class StsService implements AwsQueryService {
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::(\\d{12}):role/([\\w+=,.@/-]+)");
    private static final Pattern SESSION = Pattern.compile("[\\w+=,.@-]{2,64}");

    /** One session handed out. */
    public record Session(String accessKeyId, String roleArn, String sessionName, Instant expiration) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public StsService(Clock clock) {
        this.clock = clock;
    }

    /** The session an access key belongs to, if STS issued it. */
    public Optional<Session> session(String accessKeyId) {
        return Optional.ofNullable(sessions.get(accessKeyId));
    }

    /** Answers one Query request ({@code Action=AssumeRole&RoleArn=...}) with its XML body. */
    @Override
    public String handle(Map<String, String> params) {
        String action = params.getOrDefault("Action", "");
        if (!action.equals("AssumeRole")) {
            throw new AwsServiceException(
                    "InvalidAction", 400, "The action " + action + " is not valid for this web service.");
        }
        String roleArn = params.get("RoleArn");
        if (roleArn == null || !ROLE_ARN.matcher(roleArn).matches()) {
            throw new AwsServiceException("ValidationError", 400, "RoleArn is not a role ARN: " + roleArn);
        }
        String sessionName = params.get("RoleSessionName");
        if (sessionName == null || !SESSION.matcher(sessionName).matches()) {
            throw new AwsServiceException(
                    "ValidationError", 400, "RoleSessionName must be 2-64 of [\\w+=,.@-]: " + sessionName);
        }
        long seconds = Long.parseLong(params.getOrDefault("DurationSeconds", "3600"));
        if (seconds < 900 || seconds > 43_200) {
            throw new AwsServiceException("ValidationError", 400, "DurationSeconds must be 900 to 43200");
        }
        String accessKeyId = "ASIA" + hex(8).toUpperCase(Locale.ROOT);
        Instant expiration =
                clock.instant().plus(Duration.ofSeconds(seconds)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        sessions.put(accessKeyId, new Session(accessKeyId, roleArn, sessionName, expiration));
        var m = ROLE_ARN.matcher(roleArn);
        m.matches();
        String roleName = m.group(2);
        String roleId = "AROA" + hex(8).toUpperCase(Locale.ROOT);
        return "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                + "<AssumeRoleResult>"
                + "<Credentials>"
                + "<AccessKeyId>" + accessKeyId + "</AccessKeyId>"
                + "<SecretAccessKey>" + hex(20) + "</SecretAccessKey>"
                + "<SessionToken>" + hex(32) + "</SessionToken>"
                + "<Expiration>" + expiration + "</Expiration>"
                + "</Credentials>"
                + "<AssumedRoleUser>"
                + "<AssumedRoleId>" + roleId + ":" + sessionName + "</AssumedRoleId>"
                + "<Arn>arn:aws:sts::" + m.group(1) + ":assumed-role/" + roleName + "/" + sessionName + "</Arn>"
                + "</AssumedRoleUser>"
                + "</AssumeRoleResult>"
                + "<ResponseMetadata><RequestId>" + java.util.UUID.randomUUID() + "</RequestId></ResponseMetadata>"
                + "</AssumeRoleResponse>";
    }

    @Override
    public String error(AwsServiceException e) {
        return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                + "<Code>" + e.errorCode() + "</Code><Message>" + escape(e.getMessage()) + "</Message></Error>"
                + "<RequestId>" + java.util.UUID.randomUUID() + "</RequestId></ErrorResponse>";
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
