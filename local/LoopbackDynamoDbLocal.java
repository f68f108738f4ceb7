import java.lang.reflect.Field;
import java.net.BindException;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Amazon's DynamoDB Local, listening on one address and living no longer than the process that
 * started it. Run from source by `java` (no build step):
 *
 *   java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDbLocal.java HOST [DynamoDB Local options]
 *
 * DynamoDB Local has no bind option: its ServerRunner builds a Jetty `Server(port)`, which listens on
 * every interface. This builds the same server from the same options and sets its connector's host
 * before starting it, so nothing but HOST can reach the table.
 *
 * It exits when its standard input closes. The starting process holds the other end of that pipe,
 * and the kernel closes it however that process ends (kill -9 included), so no DynamoDB Local is
 * left behind holding the port and the data folder.
 *
 * Prints "listening HOST:PORT" once it accepts connections; exits 98 when the port is taken.
 */
public final class LoopbackDynamoDbLocal {
  private static final int ADDRESS_IN_USE = 98;

  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer dynamoDb = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server jetty = (Server) serverField.get(dynamoDb);
    for (Connector connector : jetty.getConnectors()) ((ServerConnector) connector).setHost(host);
    try {
      // safeStart, unlike start, reports a failed bind instead of printing it and carrying on.
      dynamoDb.safeStart();
    } catch (Exception error) {
      System.err.println("DynamoDB Local could not start: " + error.getMessage());
      System.exit(isBindFailure(error) ? ADDRESS_IN_USE : 1);
    }
    System.out.println("listening " + host + ":" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort());
    while (System.in.read() >= 0) {
      // Nothing is ever written: the pipe only tells that the starting process is still there.
    }
    dynamoDb.stop();
    System.exit(0);
  }

  private static boolean isBindFailure(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) return true;
    }
    return false;
  }
}
