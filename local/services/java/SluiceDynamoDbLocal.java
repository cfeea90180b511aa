// Starts DynamoDB Local bound to one host (127.0.0.1) instead of every interface.
//
// DynamoDB Local's ServerRunner has no bind-address option: its Jetty server listens on 0.0.0.0.
// This wrapper builds the server exactly as ServerRunner.main does (same command-line flags), then
// sets the host of its Jetty connectors before starting it. Compiled by local/services/dynamodb.ts
// against the DynamoDB Local jars; usage: SluiceDynamoDbLocal <host> <ServerRunner flags...>
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class SluiceDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: SluiceDynamoDbLocal <host> [ServerRunner flags...]");
      System.exit(2);
    }
    String host = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(rest);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int bound = 0;
    for (Connector c : jetty.getConnectors()) {
      if (c instanceof ServerConnector) {
        ((ServerConnector) c).setHost(host);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no Jetty ServerConnector to bind");
    proxy.start();
    System.out.println("SluiceDynamoDbLocal: listening on " + host + " (" + String.join(" ", rest) + ")");
    proxy.join();
  }
}
